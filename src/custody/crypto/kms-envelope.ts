import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

import type { CircuitBreaker } from '../../circuit-breaker/circuit-breaker';

/** A private key sealed under a KMS data key: only the data key's KMS ciphertext is stored. */
export interface EnvelopeSealed {
  /** `v1.<iv>.<tag>.<ciphertext>`, base64url: AES-256-GCM under the data key. */
  ciphertext: string;
  /** The data key as KMS encrypted it (base64); only KMS can turn it back into a key. */
  encryptedDataKey: string;
}

/** A stored envelope that is not one this class wrote: a decryption failure, never a crash. */
export class InvalidEnvelopeError extends Error {
  constructor(reason: string) {
    super(`not a KMS envelope: ${reason}`);
    this.name = 'InvalidEnvelopeError';
  }
}

const FORMAT = 'v1';
/** GCM's standard nonce; any other length is hashed into one, which this format never does. */
const IV_BYTES = 12;
/**
 * The full GCM tag. Without a pinned length Node accepts tags down to 4 bytes, and a
 * truncated tag is checked only as far as it goes: 32 bits of forgery resistance.
 */
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Envelope encryption with AWS KMS: a fresh 256-bit data key per wallet from
 * `GenerateDataKey`, the private key encrypted locally with AES-256-GCM, the plaintext data
 * key wiped at once. Both the GCM tag and the KMS encryption context bind the ciphertext to
 * its wallet, so a sealed key copied onto another row does not open. Every KMS call goes
 * through the `kms` breaker.
 */
export class KmsEnvelope {
  /** Names the KMS key in `key_version`, so a change of KMS_KEY_ID shows which rows to rewrap. */
  readonly keyVersion: number;

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
    private readonly breaker: Pick<CircuitBreaker, 'execute'>,
  ) {
    this.keyVersion = versionOf(`kms:${keyId}`);
  }

  /**
   * Also returns the KMS key that encrypted the data key as KMS reported it (the key's ARN on
   * AWS, even when KMS_KEY_ID is an alias), to be stored with the envelope: it names the key
   * that opens it after KMS_KEY_ID, or the alias, has moved on.
   */
  async seal(plaintext: Buffer, context: string): Promise<EnvelopeSealed & { kmsKeyId: string }> {
    const generated = await this.breaker.execute(() =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { haven_wallet: context } })),
    );
    const dataKey = Buffer.from(generated.Plaintext!);
    generated.Plaintext?.fill(0);
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        ciphertext: [FORMAT, iv, cipher.getAuthTag(), ciphertext]
          .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
          .join('.'),
        encryptedDataKey: Buffer.from(generated.CiphertextBlob!).toString('base64'),
        kmsKeyId: generated.KeyId ?? this.keyId,
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Opens an envelope under `keyId`, the key that sealed it (see `keyIdFor`). KMS refuses a
   * Decrypt naming another key than the blob's, so the current KMS_KEY_ID would not open
   * envelopes sealed before it changed.
   */
  async open(sealed: EnvelopeSealed, context: string, keyId: string | undefined): Promise<Buffer> {
    // Checked before KMS is asked: a malformed row costs no KMS call and no breaker failure.
    const { iv, tag, ciphertext } = parseEnvelope(sealed.ciphertext);
    const decrypted = await this.breaker.execute(() =>
      this.client.send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: Buffer.from(sealed.encryptedDataKey, 'base64'),
          EncryptionContext: { haven_wallet: context },
        }),
      ),
    );
    const dataKey = Buffer.from(decrypted.Plaintext!);
    decrypted.Plaintext?.fill(0);
    try {
      if (dataKey.length !== DATA_KEY_BYTES) throw new InvalidEnvelopeError('the data key is not 256 bits');
      const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The key to name when opening a row. Rows sealed before the key id was stored name none:
   * those under the configured key (their `key_version` says so) get it; older ones get none,
   * and KMS finds their key from the blob, as it does for every symmetric key.
   */
  keyIdFor(stored: { kmsKeyId: string | null; keyVersion: number }): string | undefined {
    if (stored.kmsKeyId !== null) return stored.kmsKeyId;
    return stored.keyVersion === this.keyVersion ? this.keyId : undefined;
  }
}

function parseEnvelope(text: string): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const parts = text.split('.');
  if (parts.length !== 4 || parts[0] !== FORMAT) throw new InvalidEnvelopeError(`not ${FORMAT}.<iv>.<tag>.<ciphertext>`);
  // Buffer.from skips characters that are not base64url; a row is decoded only if it is exactly that.
  if (!parts.slice(1).every((part) => BASE64URL.test(part))) throw new InvalidEnvelopeError('not base64url');
  const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES) throw new InvalidEnvelopeError(`the IV is ${iv.length} bytes, not ${IV_BYTES}`);
  if (tag.length !== TAG_BYTES) throw new InvalidEnvelopeError(`the tag is ${tag.length} bytes, not ${TAG_BYTES}`);
  return { iv, tag, ciphertext };
}

/** A stable positive 28-bit number naming a key, for the integer `key_version` column. */
export function versionOf(name: string): number {
  return parseInt(createHash('sha256').update(name).digest('hex').slice(0, 7), 16);
}

/**
 * What counts against the `kms` breaker: KMS unreachable, failing or throttling. A refusal
 * (access denied, a ciphertext that does not decrypt) is KMS working, and says so at once.
 */
export function isKmsOutage(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  if (name === 'ThrottlingException' || name === 'KMSInternalException' || name === 'DependencyTimeoutException') return true;
  return status === undefined || status >= 500;
}
