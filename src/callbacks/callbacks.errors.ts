import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

/**
 * A `callbackUrl` outside the origin registered for the client: the service would otherwise
 * POST wherever a caller asks (SSRF). Neither URL is echoed: the registered one is the
 * client's configuration and may carry its receiver's token.
 */
export class CallbackUrlNotAllowedError extends AppError {
  readonly code = ErrorCode.CALLBACK_URL_NOT_ALLOWED;
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;
  constructor(registered: boolean) {
    super(
      registered ? 'callbackUrl is outside the origin registered for this client' : 'this client has no registered callback URL',
      registered
        ? 'The callback URL must have the same scheme, host and port as the one registered for your app.'
        : 'Your app has no registered callback URL; ask the operator to register one first.',
    );
  }
}

export class CallbackDeliveryNotFoundError extends AppError {
  readonly code = ErrorCode.CALLBACK_DELIVERY_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(id: string) {
    super(`No callback delivery ${id}`, 'This callback delivery does not exist.', { delivery_id: id });
  }
}

/** Only a delivery that finally failed is sent again: a pending one is already owed, a delivered one arrived. */
export class CallbackDeliveryNotRedeliverableError extends AppError {
  readonly code = ErrorCode.CALLBACK_DELIVERY_NOT_REDELIVERABLE;
  readonly status = HttpStatus.CONFLICT;
  constructor(id: string, status: string) {
    super(`Callback delivery ${id} is ${status}, not failed`, 'Only a failed callback delivery can be sent again.', {
      delivery_id: id,
      status,
    });
  }
}
