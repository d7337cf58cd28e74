import { addressTracker, ClientTracker, type RateLimitedRequest, rateLimitOf } from './rate-limit.rules';

const request = (originalUrl: string, options: { ip?: string; key?: string } = {}): RateLimitedRequest => ({
  originalUrl,
  ip: options.ip ?? '203.0.113.7',
  headers: options.key === undefined ? {} : { 'x-api-key': options.key },
});

describe('rateLimitOf', () => {
  it('puts admin routes under the admin limit, whatever case or trailing slash reached them', () => {
    expect(rateLimitOf(request('/api/v1/admin/health/circuit-breakers'))).toBe('admin');
    expect(rateLimitOf(request('/API/V1/Admin/health/circuit-breakers/'))).toBe('admin');
    expect(rateLimitOf(request('/api/v1/admin'))).toBe('admin');
  });

  it('puts the token and transaction routes under the client limit', () => {
    expect(rateLimitOf(request('/api/v1/token/mint'))).toBe('client');
    expect(rateLimitOf(request('/api/v1/transactions/abc?x=1'))).toBe('client');
    expect(rateLimitOf(request('/api/v1/transactions'))).toBe('client');
  });

  it('puts the Python backend’s client routes (/token/…) under the client limit too', () => {
    expect(rateLimitOf(request('/token/mint'))).toBe('client');
    expect(rateLimitOf(request('/Token/Redeem/'))).toBe('client');
    expect(rateLimitOf(request('/token/balance/guest-42?x=1'))).toBe('client');
    expect(rateLimitOf(request('/tokens'))).toBe('anonymous');
  });

  it('puts everything else under the anonymous limit, look-alike prefixes and unknown routes included', () => {
    for (const path of ['/health', '/metrics', '/docs', '/', '/api/v1/adminx', '/api/v1/tokens', '/nowhere', '//api/v1/admin/x']) {
      expect(rateLimitOf(request(path))).toBe('anonymous');
    }
  });

  it('never limits the liveness and readiness probes', () => {
    expect(rateLimitOf(request('/health/live'))).toBeNull();
    expect(rateLimitOf(request('/health/ready'))).toBeNull();
    expect(rateLimitOf(request('/Health/Live/'))).toBeNull();
    expect(rateLimitOf(request('/health/ready?verbose=1'))).toBeNull();
    expect(rateLimitOf(request('/health/live/x'))).toBe('anonymous');
  });
});

describe('trackers', () => {
  const clients = new ClientTracker([
    { client: 'alpha', key: 'alpha-key-0123456789' },
    { client: 'beta', key: 'beta-key-0123456789' },
    { client: 'alpha', key: 'alpha-next-key-0123456789' },
  ]);

  it('names the client whose key is presented, whichever of its keys and from wherever', () => {
    expect(clients.trackerOf(request('/api/v1/token/mint', { key: 'alpha-key-0123456789' }))).toBe('client:alpha');
    expect(clients.trackerOf(request('/api/v1/token/mint', { key: 'alpha-next-key-0123456789', ip: '198.51.100.1' }))).toBe('client:alpha');
    expect(clients.trackerOf(request('/api/v1/token/mint', { key: 'beta-key-0123456789' }))).toBe('client:beta');
  });

  it('names no client without a valid client key (the request is then an anonymous one)', () => {
    expect(clients.trackerOf(request('/api/v1/token/mint', { key: 'wrong-key-0123456789' }))).toBeNull();
    expect(clients.trackerOf(request('/api/v1/token/mint'))).toBeNull();
  });

  it('counts an IPv6 caller by its /64, and an IPv4-mapped one as IPv4', () => {
    expect(addressTracker(request('/', { ip: '2001:db8:1:2:aaaa::1' }))).toBe(addressTracker(request('/', { ip: '2001:db8:1:2:bbbb::9' })));
    expect(addressTracker(request('/', { ip: '::ffff:203.0.113.7' }))).toBe('ip:203.0.113.7');
  });
});
