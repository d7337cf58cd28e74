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
    return this.indexOf(candidate) >= 0;
  }

  /** Position of the matching key in the configured list, or -1; always compares them all. */
  indexOf(candidate: string | undefined): number {
    const presented = digest(candidate ?? '');
    let matched = -1;
    this.digests.forEach((key, index) => {
      if (timingSafeEqual(key, presented)) matched = index;
    });
    return candidate !== undefined && candidate.length > 0 ? matched : -1;
  }

  /** Enough to tell keys apart in logs, useless for guessing one. */
  static fingerprint(key: string | undefined): string {
    return key ? digest(key).toString('hex').slice(0, 8) : 'none';
  }
}
