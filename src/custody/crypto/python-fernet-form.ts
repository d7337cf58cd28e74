/**
 * How the Python backend this service replaces stores a Fernet-sealed key, so either can open
 * the other's rows (rollback and cut-over both need it):
 *
 *   encrypted_private_key = base64( Fernet(key).encrypt( hex text of the key, without 0x ) )
 *
 * standard base64 over the token's own url-safe text. Earlier versions of this service
 * stored the bare token over the raw 32 bytes; those rows are still read, and
 * `custody:reencrypt` rewrites them in this form.
 */

/** Every Fernet token starts with these characters: version 0x80, then a u64 timestamp under 2^40. */
const TOKEN_PREFIX = 'gAAAAA';
const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class UnreadableSealedKey extends Error {
  constructor() {
    super('encrypted_private_key is neither a Fernet token nor a base64-wrapped one');
    this.name = 'UnreadableSealedKey';
  }
}

/** The stored form of `token`, as the Python backend writes it. */
export function wrapFernetToken(token: string): string {
  return Buffer.from(token, 'ascii').toString('base64');
}

/** The Fernet token inside a stored value of either form. */
export function unwrapFernetToken(stored: string): string {
  if (stored.startsWith(TOKEN_PREFIX)) return stored;
  if (!STANDARD_BASE64.test(stored) || stored.length % 4 !== 0) throw new UnreadableSealedKey();
  const token = Buffer.from(stored, 'base64').toString('ascii');
  if (!token.startsWith(TOKEN_PREFIX)) throw new UnreadableSealedKey();
  return token;
}

/** Whether a stored value is in the Python backend's (base64-wrapped) form. */
export function isWrappedFernetToken(stored: string): boolean {
  return !stored.startsWith(TOKEN_PREFIX);
}

/** What the Python backend encrypts: the key as lower-case hex text without `0x`. */
export function keyAsHexText(key: Buffer): Buffer {
  return Buffer.from(key.toString('hex'), 'ascii');
}
