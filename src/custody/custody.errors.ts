import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

export class WalletNotFoundError extends AppError {
  readonly code = ErrorCode.WALLET_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(walletId: string) {
    super(`No custodial wallet '${walletId}'`, 'This wallet does not exist.', { wallet_id: walletId });
  }
}

export class WalletAlreadyExistsError extends AppError {
  readonly code = ErrorCode.WALLET_ALREADY_EXISTS;
  readonly status = HttpStatus.CONFLICT;
  constructor(walletId: string) {
    super(`Custodial wallet '${walletId}' already has an active key`, 'This wallet already exists.', { wallet_id: walletId });
  }
}

/** Revoked keys never sign again, and revoked wallets cannot be rotated back to life. */
export class WalletRevokedError extends AppError {
  readonly code = ErrorCode.WALLET_REVOKED;
  readonly status = HttpStatus.CONFLICT;
  constructor(walletId: string) {
    super(`Custodial wallet '${walletId}' is revoked`, 'This wallet has been revoked.', { wallet_id: walletId });
  }
}

/**
 * A stored key could not be opened: no configured key fits, or KMS refused. Says which
 * wallet, never anything about the key material.
 */
export class KeyDecryptionError extends AppError {
  readonly code = ErrorCode.KEY_DECRYPTION_FAILED;
  readonly status = HttpStatus.INTERNAL_SERVER_ERROR;
  constructor(walletId: string, reason: string) {
    super(`Key of wallet '${walletId}' could not be decrypted: ${reason}`, 'The wallet key could not be used.', { wallet_id: walletId });
  }
}
