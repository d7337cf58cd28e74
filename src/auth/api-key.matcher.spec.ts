import { ApiKeyMatcher } from './api-key.matcher';

describe('ApiKeyMatcher', () => {
  const matcher = new ApiKeyMatcher(['current-key-0123456789', 'previous-key-0123456789']);

  it('accepts every configured key, so a key can be rotated without downtime', () => {
    expect(matcher.matches('current-key-0123456789')).toBe(true);
    expect(matcher.matches('previous-key-0123456789')).toBe(true);
  });

  it('refuses anything else, including a missing, empty or prefix key', () => {
    expect(matcher.matches(undefined)).toBe(false);
    expect(matcher.matches('')).toBe(false);
    expect(matcher.matches('current-key')).toBe(false);
    expect(new ApiKeyMatcher([]).matches('anything')).toBe(false);
  });

  it('fingerprints keys without revealing them', () => {
    expect(ApiKeyMatcher.fingerprint('current-key-0123456789')).toMatch(/^[0-9a-f]{8}$/);
    expect(ApiKeyMatcher.fingerprint('current-key-0123456789')).not.toContain('current');
    expect(ApiKeyMatcher.fingerprint(undefined)).toBe('none');
  });
});
