import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Fernet (https://github.com/fernet/spec), byte-compatible with Python's
 * `cryptography.fernet`: WALLET_ENCRYPTION_KEY may have been generated with it, and existing
 * rows written by it. Written on node:crypto because the npm implementations are
 * unmaintained or browser-oriented; the format is small and fixed:
 *
 *   token = base64url( 0x80 | timestamp (u64 BE, seconds) | IV (16) | AES-128-CBC(PKCS7) | HMAC-SHA256 (32) )
 *   key   = base64url( signing key (16) | encryption key (16) )
 *
 * Every failure is the same `InvalidFernetToken`, saying nothing about which check failed.
 */
const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const HMAC_BYTES = 32;
/** Python's limit for a token stamped in the future, when a TTL is checked. */
const MAX_CLOCK_SKEW_SECONDS = 60;

export class InvalidFernetKey extends Error {
  constructor() {
    super('Fernet key must be 32 url-safe base64-encoded bytes');
    this.name = 'InvalidFernetKey';
  }
}

export class InvalidFernetToken extends Error {
  constructor() {
    super('Fernet token is invalid or was not made with any configured key');
    this.name = 'InvalidFernetToken';
  }
}

export class FernetKey {
  private constructor(
    private readonly signingKey: Buffer,
    private readonly encryptionKey: Buffer,
    /** Names the key in storage and logs without revealing it: 16 hex digits of its SHA-256. */
    readonly fingerprint: string,
  ) {}

  static parse(encoded: string): FernetKey {
    const raw = decodeBase64Url(encoded.trim());
    if (raw === null || raw.length !== 32) throw new InvalidFernetKey();
    return new FernetKey(raw.subarray(0, 16), raw.subarray(16), createHash('sha256').update(raw).digest('hex').slice(0, 16));
  }

  /** A fresh key in the same text form as Python's `Fernet.generate_key()`. */
  static generate(): string {
    return randomBytes(32).toString('base64url').padEnd(44, '=');
  }

  encrypt(plaintext: Buffer, options: { iv?: Buffer; now?: Date } = {}): string {
    const iv = options.iv ?? randomBytes(16);
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64BE(BigInt(Math.floor((options.now ?? new Date()).getTime() / 1000)));
    const cipher = createCipheriv('aes-128-cbc', this.encryptionKey, iv);
    const body = Buffer.concat([Buffer.from([VERSION]), timestamp, iv, cipher.update(plaintext), cipher.final()]);
    const mac = createHmac('sha256', this.signingKey).update(body).digest();
    // Python writes standard url-safe base64 with padding; so do we, so tokens match byte for byte.
    return Buffer.concat([body, mac])
      .toString('base64url')
      .padEnd(Math.ceil((body.length + HMAC_BYTES) / 3) * 4, '=');
  }

  /** The plaintext, or `InvalidFernetToken`. With `ttlSeconds`, old and far-future tokens fail too. */
  decrypt(token: string, options: { ttlSeconds?: number; now?: Date } = {}): Buffer {
    const data = decodeBase64Url(token);
    if (data === null || data.length < HEADER_BYTES + 16 + HMAC_BYTES || data[0] !== VERSION) throw new InvalidFernetToken();
    const body = data.subarray(0, data.length - HMAC_BYTES);
    const expected = createHmac('sha256', this.signingKey).update(body).digest();
    if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_BYTES))) throw new InvalidFernetToken();
    if (options.ttlSeconds !== undefined) {
      const stamped = Number(data.readBigUInt64BE(1));
      const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
      if (stamped + options.ttlSeconds < now || stamped > now + MAX_CLOCK_SKEW_SECONDS) throw new InvalidFernetToken();
    }
    const ciphertext = body.subarray(HEADER_BYTES);
    if (ciphertext.length % 16 !== 0) throw new InvalidFernetToken();
    try {
      const decipher = createDecipheriv('aes-128-cbc', this.encryptionKey, body.subarray(9, HEADER_BYTES));
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new InvalidFernetToken();
    }
  }
}

/**
 * Several keys, as Python's `MultiFernet`: the first encrypts, every one decrypts, so a key
 * can be rotated in without downtime and retired once `custody:reencrypt` has run.
 */
export class FernetKeyring {
  readonly keys: readonly FernetKey[];

  constructor(encodedKeys: readonly string[]) {
    if (encodedKeys.length === 0) throw new InvalidFernetKey();
    this.keys = encodedKeys.map((key) => FernetKey.parse(key));
  }

  get primary(): FernetKey {
    return this.keys[0];
  }

  encrypt(plaintext: Buffer): string {
    return this.primary.encrypt(plaintext);
  }

  /** The plaintext and the key that opened it (rows under an older key are re-encrypted). */
  decrypt(token: string): { plaintext: Buffer; key: FernetKey } {
    for (const key of this.keys) {
      try {
        return { plaintext: key.decrypt(token), key };
      } catch {
        // Try the next key; only "no key fits" is an error.
      }
    }
    throw new InvalidFernetToken();
  }
}

/** Strict url-safe base64 (padding optional, as Python's decoder accepts), or null. */
function decodeBase64Url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(text, 'base64url');
}
