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

/**
 * The Python backend's admin API could return a wallet's private key (`include_private_key=true`);
 * this service never does, sealed or not. Refused whoever asks, and audited.
 */
export class PrivateKeyExportRefusedError extends AppError {
  readonly code = ErrorCode.PRIVATE_KEY_EXPORT_REFUSED;
  readonly status = HttpStatus.FORBIDDEN;
  constructor(walletId: string) {
    super(
      `Private key export refused for '${walletId}': this service never returns a key`,
      'Private keys are never returned. Sign through the service, or rotate the wallet if a key must change.',
      { wallet_id: walletId },
    );
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
 * The pipeline signs with this wallet (`BACKEND_SIGNER_WALLET_ID`), so it is not rotated or
 * revoked in place: a new key has a new address with no MINTER/BURNER role and the running
 * instances keep signing as the old one; a revoked key makes every send fail. The signer is
 * changed by pointing the setting at another wallet (docs/custody.md).
 */
export class SignerWalletInUseError extends AppError {
  readonly code = ErrorCode.SIGNER_WALLET_IN_USE;
  readonly status = HttpStatus.CONFLICT;
  constructor(walletId: string, operation: 'rotate' | 'revoke') {
    super(
      `Custodial wallet '${walletId}' signs the pipeline's transactions (BACKEND_SIGNER_WALLET_ID) and cannot be ${operation === 'rotate' ? 'rotated' : 'revoked'} ` +
        `while in use; see "Changing the signing wallet" in docs/custody.md`,
      "This wallet signs the service's transactions and cannot be changed in place. To change the signer, create a new wallet, " +
        'grant it the MINTER and BURNER roles, set BACKEND_SIGNER_WALLET_ID to it and restart; revoke this wallet once nothing it signed is pending.',
      { wallet_id: walletId, operation },
    );
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
