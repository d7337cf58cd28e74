import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { TEST_API_KEY } from '../support/config';

const APP_ORIGIN = 'https://app.haven.com';
const ADMIN_ORIGIN = 'https://admin.haven.com';

/** HTTPS only (behind a TLS-terminating proxy), security headers (helmet's set), and CORS for exactly the configured origins. */
describe('transport: ENFORCE_HTTPS, security headers, CORS', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        allowedOrigins: [APP_ORIGIN, ADMIN_ORIGIN],
        http: { ...config.http, enforceHttps: true, trustProxy: ['127.0.0.1'] },
      }),
    });
  });
  afterAll(() => testApp.close());

  const overHttps = (path: string) => request(testApp.server).get(path).set('X-Forwarded-Proto', 'https');

  it('refuses plain HTTP with 403 HTTPS_REQUIRED, before authentication', async () => {
    for (const path of ['/health', '/api/v1/transactions', '/api/v1/admin/wallets', '/no-such-route']) {
      const response = await request(testApp.server).get(path).set('X-API-Key', TEST_API_KEY);
      expect([path, response.status, response.body.error]).toEqual([path, 403, 'HTTPS_REQUIRED']);
    }
  });

  it('answers HTTPS (as the trusted proxy reports it) with HSTS', async () => {
    const response = await overHttps('/health');

    expect(response.status).toBe(200);
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('still answers the orchestrator’s plain-HTTP liveness and readiness probes', async () => {
    expect((await request(testApp.server).get('/health/live')).status).toBe(200);
    expect((await request(testApp.server).get('/health/ready')).status).toBe(200);
  });

  it('sends the security headers (helmet’s set) on every answer, errors and the router’s refusals included, and no X-Powered-By', async () => {
    const answers = [
      await overHttps('/health'),
      await overHttps('/api/v1/transactions'),
      await overHttps('/nowhere'),
      // Refused by the router before any request hook runs: an undecodable path, an over-long parameter.
      await overHttps('/api/v1/transactions/%E2%82'),
      await overHttps(`/api/v1/transactions/${'a'.repeat(1025)}`),
    ];
    expect(answers.map((response) => response.status)).toEqual([200, 401, 404, 400, 414]);
    for (const response of answers) {
      expect(response.headers).toEqual(
        expect.objectContaining({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'SAMEORIGIN',
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
          'content-security-policy': expect.stringContaining("default-src 'self'"),
        }),
      );
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it.each([APP_ORIGIN, ADMIN_ORIGIN])('allows the configured origin %s, in a preflight and an actual call', async (origin) => {
    const preflight = await request(testApp.server)
      .options('/api/v1/token/mint')
      .set('X-Forwarded-Proto', 'https')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST');
    const actual = await overHttps('/health').set('Origin', origin);

    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect(actual.headers['access-control-allow-origin']).toBe(origin);
  });

  it.each(['https://evil.example', 'http://app.haven.com', 'https://app.haven.com.evil.example', 'null'])(
    'gives no CORS grant to %s',
    async (origin) => {
      const preflight = await request(testApp.server)
        .options('/api/v1/token/mint')
        .set('X-Forwarded-Proto', 'https')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');

      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    },
  );
});

describe('transport: defaults', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('without ENFORCE_HTTPS answers plain HTTP and sends no HSTS; without ALLOWED_ORIGINS grants no origin', async () => {
    const response = await request(testApp.server).get('/health').set('Origin', APP_ORIGIN);

    expect(response.status).toBe(200);
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('transport: ENFORCE_HTTPS without a trusted proxy', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ config: (config) => ({ ...config, http: { ...config.http, enforceHttps: true } }) });
  });
  afterAll(() => testApp.close());

  it('ignores X-Forwarded-Proto from the untrusted peer: claiming HTTPS is still plain HTTP', async () => {
    const response = await request(testApp.server).get('/health').set('X-Forwarded-Proto', 'https');

    expect([response.status, response.body.error]).toEqual([403, 'HTTPS_REQUIRED']);
  });
});
