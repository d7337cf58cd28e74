import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

/** A nonce could not be reserved or synchronised (chain unreachable, lock never freed). */
export class NonceError extends AppError {
  readonly code = ErrorCode.NONCE_ERROR;
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, 'The transaction could not be scheduled right now; it will be retried.', details);
  }
}
