import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks a presented API key against the configured ones in constant time: both sides are
 * hashed to equal length and every configured key is compared, so neither the length nor
 * the position of a match leaks through timing. Several keys allow rotation without downtime.
 */
export class ApiKeyMatcher {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  matches(candidate: string | undefined): boolean {
    const presented = digest(candidate ?? '');
    let matched = false;
    for (const key of this.digests) matched = timingSafeEqual(key, presented) || matched;
    return candidate !== undefined && candidate.length > 0 && matched;
  }

  /** Enough to tell keys apart in logs, useless for guessing one. */
  static fingerprint(key: string | undefined): string {
    return key ? digest(key).toString('hex').slice(0, 8) : 'none';
  }
}
