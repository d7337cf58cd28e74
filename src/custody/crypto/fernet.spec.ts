import vectors from '../../../test/fixtures/fernet-vectors.json';
import { FernetKey, FernetKeyring, InvalidFernetKey, InvalidFernetToken } from './fernet';

describe('Fernet, compatible both ways with Python cryptography', () => {
  it('makes the spec vector byte for byte and reads it back within its TTL', () => {
    for (const vector of vectors.spec) {
      const key = FernetKey.parse(vector.secret);
      const now = new Date(vector.now);

      expect(key.encrypt(Buffer.from(vector.src), { iv: Buffer.from(vector.iv), now })).toBe(vector.token);
      expect(key.decrypt(vector.token, { ttlSeconds: vector.ttl_sec, now: new Date(now.getTime() + 1_000) }).toString()).toBe(vector.src);
    }
  });

  it('decrypts tokens Python made with keys Python generated', () => {
    for (const vector of vectors.fromPython) {
      expect(FernetKey.parse(vector.key).decrypt(vector.token).toString('utf8')).toBe(vector.plaintext);
    }
  });

  it('still makes exactly the tokens Python decrypted (and made itself from the same IV and time)', () => {
    for (const vector of vectors.fromHere) {
      const token = FernetKey.parse(vector.key).encrypt(Buffer.from(vector.plaintext), {
        iv: Buffer.from(vector.iv, 'hex'),
        now: new Date(vector.timestamp * 1000),
      });
      expect(token).toBe(vector.token);
    }
  });

  it.each(vectors.invalid.map((vector) => [vector.desc, vector] as const))('rejects a token with %s, as Python does', (_desc, vector) => {
    expect(() => FernetKey.parse(vector.key).decrypt(vector.token)).toThrow(InvalidFernetToken);
  });

  it('rejects an expired token and one stamped too far in the future, when a TTL is asked for', () => {
    const key = FernetKey.parse(FernetKey.generate());
    const made = new Date('2026-01-01T00:00:00Z');
    const token = key.encrypt(Buffer.from('x'), { now: made });

    expect(() => key.decrypt(token, { ttlSeconds: 60, now: new Date(made.getTime() + 61_000) })).toThrow(InvalidFernetToken);
    expect(() => key.decrypt(token, { ttlSeconds: 60, now: new Date(made.getTime() - 61_000) })).toThrow(InvalidFernetToken);
    expect(key.decrypt(token).toString()).toBe('x');
  });

  it('generates keys in the form Python generates them, and refuses malformed keys', () => {
    const generated = FernetKey.generate();

    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(FernetKey.parse(generated).fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(() => FernetKey.parse('abc')).toThrow(InvalidFernetKey);
    expect(() => FernetKey.parse('%'.repeat(44))).toThrow(InvalidFernetKey);
  });

  it('encrypts with the first key of a ring and decrypts with any, saying which', () => {
    const [older, newer] = [FernetKey.generate(), FernetKey.generate()];
    const oldToken = new FernetKeyring([older]).encrypt(Buffer.from('written before rotation'));
    const ring = new FernetKeyring([newer, older]);

    const opened = ring.decrypt(oldToken);
    expect(opened.plaintext.toString()).toBe('written before rotation');
    expect(opened.key.fingerprint).toBe(FernetKey.parse(older).fingerprint);
    expect(ring.decrypt(ring.encrypt(Buffer.from('new'))).key.fingerprint).toBe(ring.primary.fingerprint);
    expect(() => new FernetKeyring([newer]).decrypt(oldToken)).toThrow(InvalidFernetToken);
  });
});
