import { Inject, Injectable } from '@nestjs/common';

import type { EncryptionScheme } from '../wallet-custody.entity';
import { FernetKeyring } from './fernet';
import { KmsEnvelope, versionOf } from './kms-envelope';
import { isWrappedFernetToken, keyAsHexText, unwrapFernetToken, wrapFernetToken } from './python-fernet-form';

/** A private key as stored: the row's encryption columns. */
export interface SealedKey {
  encryptedPrivateKey: string;
  encryptionScheme: EncryptionScheme;
  keyVersion: number;
  encryptedDataKey: string | null;
  /** The KMS key that sealed a `kms` row; null for Fernet, and for KMS rows sealed before it was stored. */
  kmsKeyId: string | null;
}

export const FERNET_KEYRING = Symbol('FERNET_KEYRING');
export const KMS_ENVELOPE = Symbol('KMS_ENVELOPE');

/**
 * Seals and opens wallet keys. New keys go under KMS when it is enabled, otherwise under the
 * first WALLET_ENCRYPTION_KEY; any row can be opened whatever sealed it (every Fernet key
 * decrypts, KMS rows go back to KMS), which is what lets `custody:reencrypt` move rows over.
 * `binding` (the wallet id) is bound into KMS envelopes.
 */
@Injectable()
export class KeyVault {
  constructor(
    @Inject(FERNET_KEYRING) private readonly fernet: FernetKeyring,
    @Inject(KMS_ENVELOPE) private readonly kms: KmsEnvelope | null,
  ) {}

  /** The `key_version` that new rows get, and that `custody:reencrypt` moves every row to. */
  get currentVersion(): number {
    return this.kms?.keyVersion ?? fernetVersion(this.fernet.primary.fingerprint);
  }

  get currentScheme(): EncryptionScheme {
    return this.kms === null ? 'fernet' : 'kms';
  }

  async seal(plaintext: Buffer, binding: string): Promise<SealedKey> {
    if (this.kms !== null) {
      const sealed = await this.kms.seal(plaintext, binding);
      return {
        encryptedPrivateKey: sealed.ciphertext,
        encryptedDataKey: sealed.encryptedDataKey,
        encryptionScheme: 'kms',
        keyVersion: this.kms.keyVersion,
        kmsKeyId: sealed.kmsKeyId,
      };
    }
    // The Python backend's form, so that a rollback to it can open every row written here.
    const hexText = keyAsHexText(plaintext);
    try {
      return {
        encryptedPrivateKey: wrapFernetToken(this.fernet.encrypt(hexText)),
        encryptedDataKey: null,
        encryptionScheme: 'fernet',
        keyVersion: fernetVersion(this.fernet.primary.fingerprint),
        kmsKeyId: null,
      };
    } finally {
      hexText.fill(0);
    }
  }

  async open(sealed: SealedKey, binding: string): Promise<Buffer> {
    if (sealed.encryptionScheme === 'kms') {
      if (this.kms === null) throw new Error('sealed under KMS, and KMS is not enabled');
      if (sealed.encryptedDataKey === null) throw new Error('KMS row without a data key');
      return this.kms.open(
        { ciphertext: sealed.encryptedPrivateKey, encryptedDataKey: sealed.encryptedDataKey },
        binding,
        this.kms.keyIdFor(sealed),
      );
    }
    // Raw 32 bytes (earlier versions of this service) or hex text (the Python backend's form);
    // the custody service reads both.
    return this.fernet.decrypt(unwrapFernetToken(sealed.encryptedPrivateKey)).plaintext;
  }

  /**
   * Whether `custody:reencrypt` leaves the row as it is. A KMS row sealed before rows named
   * their KMS key is rewrapped once, so that every Decrypt names the key it expects; a Fernet
   * row in this service's earlier bare-token form is rewritten in the Python backend's form.
   */
  isCurrent(sealed: SealedKey): boolean {
    return (
      sealed.keyVersion === this.currentVersion &&
      sealed.encryptionScheme === this.currentScheme &&
      (sealed.encryptionScheme !== 'kms' || sealed.kmsKeyId !== null) &&
      (sealed.encryptionScheme !== 'fernet' || isWrappedFernetToken(sealed.encryptedPrivateKey))
    );
  }
}

const fernetVersion = (fingerprint: string): number => versionOf(`fernet:${fingerprint}`);
