import { HttpStatus } from '@nestjs/common';

import { AppError } from '../../errors/app.error';
import { ErrorCode } from '../../errors/error-codes';

/** The modern routes' code for the same mistake, with a message naming the body field. */
export class MissingIdempotencyKeyFieldError extends AppError {
  readonly code = ErrorCode.MISSING_IDEMPOTENCY_KEY;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor() {
    super(
      'idempotency_key is required: 1-255 characters of A-Z a-z 0-9 _ . : -',
      'The request needs an idempotency_key so that a retry is never carried out twice.',
      { field: 'idempotency_key' },
    );
  }
}

/** No active custodial wallet: the Python backend's routes name no address to fall back on. */
export class UserWalletNotFoundError extends AppError {
  readonly code = ErrorCode.WALLET_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(userId: string) {
    super(`User ${userId} has no active custodial wallet`, 'No wallet is known for this user.', { user_id: userId });
  }
}
