import type { AppConfig } from '../config/app-config';
import { AppConfigService } from '../config/app-config.service';
import { CallbackUrlPolicy, originOf } from './callback-url.policy';

describe('CallbackUrlPolicy', () => {
  const policy = new CallbackUrlPolicy(
    new AppConfigService({
      callbacks: { hotel: { url: 'https://hooks.hotel.example/haven?token=s3cret', secret: 'x'.repeat(32) } },
    } as unknown as AppConfig),
  );
  const refusal = expect.objectContaining({ code: 'CALLBACK_URL_NOT_ALLOWED' }) as Error;

  it("uses the client's registered URL when a request names none, and none for a client without one", () => {
    expect(policy.resolve('hotel', undefined)).toBe('https://hooks.hotel.example/haven?token=s3cret');
    expect(policy.resolve('spa', undefined)).toBeNull();
  });

  it('accepts another path, query or default-port spelling on the registered origin', () => {
    for (const url of ['https://hooks.hotel.example/other/path', 'https://HOOKS.hotel.example:443/x?y=1', 'https://hooks.hotel.example'])
      expect(policy.resolve('hotel', url)).toBe(url);
  });

  it.each([
    ['another host', 'https://evil.example/haven'],
    ['a subdomain', 'https://a.hooks.hotel.example/haven'],
    ['another scheme', 'http://hooks.hotel.example/haven'],
    ['another port', 'https://hooks.hotel.example:8443/haven'],
    ['a host lookalike in the user part', 'https://hooks.hotel.example@169.254.169.254/latest'],
    ['not an http URL', 'file:///etc/passwd'],
    ['not a URL', 'hooks.hotel.example/haven'],
  ])('refuses %s with CALLBACK_URL_NOT_ALLOWED', (_case, url) => {
    expect(() => policy.resolve('hotel', url)).toThrow(refusal);
  });

  it('refuses any callbackUrl from a client without a registered URL', () => {
    expect(() => policy.resolve('spa', 'https://hooks.hotel.example/haven')).toThrow(refusal);
  });

  it('shows an origin without path, query or credentials', () => {
    expect(originOf('https://user:pw@hooks.hotel.example:8443/a?token=s3cret')).toBe('https://hooks.hotel.example:8443');
    expect(originOf('ftp://hooks.hotel.example')).toBeNull();
  });
});
