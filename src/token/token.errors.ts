import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

export class InvalidAmountError extends AppError {
  readonly code = ErrorCode.INVALID_AMOUNT;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(reason: string) {
    super(`Invalid amount: ${reason}`, 'The amount must be a positive number of HAVEN with at most 18 decimals.', { reason });
  }
}

export class InvalidAddressError extends AppError {
  readonly code = ErrorCode.INVALID_ADDRESS;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(field: string) {
    super(`${field} is not a valid wallet address`, 'The wallet address is not valid.', { field });
  }
}

export class MissingIdempotencyKeyError extends AppError {
  readonly code = ErrorCode.MISSING_IDEMPOTENCY_KEY;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor() {
    super(
      'Idempotency-Key header is required: 1-255 characters of A-Z a-z 0-9 _ . : -',
      'The request needs an Idempotency-Key header so that a retry can never mint twice.',
    );
  }
}

/** Same Idempotency-Key, different request: a client bug that must not become a second mint. */
export class DuplicateTransactionError extends AppError {
  readonly code = ErrorCode.DUPLICATE_TRANSACTION;
  readonly status = HttpStatus.CONFLICT;
  constructor(txId: string) {
    super('Idempotency-Key was already used for a different request', 'This request key was already used for another request.', {
      tx_id: txId,
    });
  }
}

export class TransactionNotFoundError extends AppError {
  readonly code = ErrorCode.TRANSACTION_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(txId: string) {
    super(`No transaction ${txId}`, 'This transaction does not exist.', { tx_id: txId });
  }
}

export class InsufficientBalanceError extends AppError {
  readonly code = ErrorCode.INSUFFICIENT_BALANCE;
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;
  constructor(available: string) {
    super('Redemption exceeds the available balance', 'Not enough HAVEN to redeem this amount.', { available });
  }
}

export class WalletNotFoundError extends AppError {
  readonly code = ErrorCode.WALLET_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(userId: string) {
    super(`User ${userId} has no active custodial wallet`, 'No wallet is known for this user; give an address.', { user_id: userId });
  }
}

export class MintAmountAboveMaximumError extends AppError {
  readonly code = ErrorCode.MINT_AMOUNT_ABOVE_MAXIMUM;
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;
  constructor(maximum: string) {
    super(`Mint amount exceeds MAX_MINT_AMOUNT (${maximum} HAVEN)`, 'This amount is larger than a single mint may be.', { maximum });
  }
}

export class DailyMintLimitExceededError extends AppError {
  readonly code = ErrorCode.DAILY_MINT_LIMIT_EXCEEDED;
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;
  constructor(limit: string, remaining: string) {
    super(`Mint exceeds the client's daily limit of ${limit} HAVEN`, 'The daily mint limit has been reached.', { limit, remaining });
  }
}

/** A redemption may only burn from the user's own custodial wallet (current or rotated). */
export class AddressNotOwnedError extends AppError {
  readonly code = ErrorCode.ADDRESS_NOT_OWNED;
  readonly status = HttpStatus.FORBIDDEN;
  constructor(userId: string) {
    super(`The address is not a wallet of user ${userId}`, 'HAVEN can only be redeemed from the user’s own wallet.', { user_id: userId });
  }
}

/** A bulk request must hold between 1 and its maximum of items; nothing of it is stored otherwise. */
export class BatchSizeOutOfRangeError extends AppError {
  readonly code = ErrorCode.BATCH_SIZE_OUT_OF_RANGE;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(size: number, maximum: number) {
    super(`A batch holds 1 to ${maximum} items, not ${size}`, `Send between 1 and ${maximum} items in one batch.`, { size, maximum });
  }
}

/** Within one batch, a later item reused the key of an earlier one for a different request. */
export class DuplicateKeyInBatchError extends AppError {
  readonly code = ErrorCode.DUPLICATE_TRANSACTION;
  readonly status = HttpStatus.CONFLICT;
  constructor(firstIndex: number) {
    super(
      `Idempotency key already used by item ${firstIndex} of this batch for a different request`,
      'This request key was already used for another request.',
      { first_index: firstIndex },
    );
  }
}
