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

const FORMAT = 'v1';

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

  async seal(plaintext: Buffer, context: string): Promise<EnvelopeSealed> {
    const generated = await this.breaker.execute(() =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { haven_wallet: context } })),
    );
    const dataKey = Buffer.from(generated.Plaintext!);
    generated.Plaintext?.fill(0);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        ciphertext: [FORMAT, iv, cipher.getAuthTag(), ciphertext]
          .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
          .join('.'),
        encryptedDataKey: Buffer.from(generated.CiphertextBlob!).toString('base64'),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  async open(sealed: EnvelopeSealed, context: string): Promise<Buffer> {
    const [format, iv, tag, ciphertext] = sealed.ciphertext.split('.');
    if (format !== FORMAT || ciphertext === undefined) throw new Error('not a KMS envelope');
    const decrypted = await this.breaker.execute(() =>
      this.client.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(sealed.encryptedDataKey, 'base64'),
          EncryptionContext: { haven_wallet: context },
        }),
      ),
    );
    const dataKey = Buffer.from(decrypted.Plaintext!);
    decrypted.Plaintext?.fill(0);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    } finally {
      dataKey.fill(0);
    }
  }
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
