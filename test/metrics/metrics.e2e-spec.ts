import request from 'supertest';

import type { AppConfig } from '../../src/config';
import { freePort } from '../../src/embedded/anvil.process';
import { MetricsServer } from '../../src/metrics/metrics.server';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { isListening } from '../support/processes';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
/** A metric every application registers (circuit breakers), so a scrape is recognisably ours. */
const OUR_METRIC = 'haven_circuit_breaker_state{breaker="blockchain"}';

const withHttp = (http: Partial<AppConfig['http']>, extra: Partial<AppConfig> = {}) => ({
  config: (config: AppConfig): AppConfig => ({ ...config, ...extra, http: { ...config.http, ...http } }),
});

/** A request to the metrics port with node's own fetch: it is not the Nest application. */
const scrape = (port: number, path = '/metrics', init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, init);

const expectRouteNotFound = (response: request.Response) => {
  expect(response.status).toBe(404);
  expect(response.body).toMatchObject({
    error: 'ROUTE_NOT_FOUND',
    user_message: expect.any(String),
    error_id: expect.any(String),
    details: { method: 'GET', path: '/metrics' },
  });
};

describe('/metrics on a port of its own (METRICS_PORT)', () => {
  let testApp: TestApp;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    testApp = await startTestApp(withHttp({ metricsPort: port }));
    await eventually(async () => expect(await isListening(port)).toBe(true), { intervalMs: 20 });
  });

  afterAll(() => testApp?.close());

  it('serves the Prometheus text there, to GET /metrics', async () => {
    const response = await scrape(port);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).toContain(OUR_METRIC);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it.each([
    ['GET', '/'],
    ['GET', '/health'],
    ['GET', '/metrics/extra'],
    ['GET', '/docs'],
    ['POST', '/metrics'],
    ['DELETE', '/metrics'],
  ])('answers 404 to %s %s there', async (method, path) => {
    const response = await scrape(port, path, { method });

    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('haven_');
  });

  it('ignores a query string, as Prometheus may send one', async () => {
    expect((await scrape(port, '/metrics?name[]=up')).status).toBe(200);
  });

  it('answers 404 ROUTE_NOT_FOUND for /metrics on the API port, as for any unknown route', async () => {
    expectRouteNotFound(await request(testApp.server).get('/metrics'));
    expectRouteNotFound(await request(testApp.server).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`));
    expectRouteNotFound(await request(testApp.server).get('/metrics').set('X-API-Key', TEST_ADMIN_API_KEY));
  });

  it('binds the address the API listens on, not every interface', () => {
    expect(testApp.app.get(MetricsServer).address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
    expect(testApp.server.address()).toMatchObject({ address: '127.0.0.1' });
  });

  it('stops with the application', async () => {
    const other = await freePort();
    const app = await startTestApp(withHttp({ metricsPort: other }));
    await eventually(async () => expect((await scrape(other)).status).toBe(200), { intervalMs: 20 });

    await app.close();

    expect(await isListening(other)).toBe(false);
  });
});

describe('/metrics on its own port with METRICS_TOKEN too', () => {
  let testApp: TestApp;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    testApp = await startTestApp(withHttp({ metricsPort: port, metricsToken: METRICS_TOKEN }));
    await eventually(async () => expect(await isListening(port)).toBe(true), { intervalMs: 20 });
  });

  afterAll(() => testApp?.close());

  it('requires the token there as well', async () => {
    const refused = await scrape(port);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await refused.text()).not.toContain('haven_');
    expect((await scrape(port, '/metrics', { headers: { Authorization: 'Bearer wrong-token' } })).status).toBe(401);

    const served = await scrape(port, '/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(served.status).toBe(200);
    expect(await served.text()).toContain(OUR_METRIC);
  });

  it('is still not served on the API port', async () => {
    expectRouteNotFound(await request(testApp.server).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`));
  });
});

describe('/metrics behind a bearer token (METRICS_TOKEN)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp(withHttp({ metricsToken: METRICS_TOKEN }));
  });

  afterAll(() => testApp?.close());

  it.each([
    ['no credentials', {}],
    ['a wrong token', { Authorization: 'Bearer not-the-metrics-token' }],
    ['the token with a suffix', { Authorization: `Bearer ${METRICS_TOKEN}x` }],
    ['the token without the Bearer scheme', { Authorization: METRICS_TOKEN }],
    ['the token as an API key', { 'X-API-Key': METRICS_TOKEN }],
    ['an admin key', { 'X-API-Key': TEST_ADMIN_API_KEY }],
    ['an empty bearer token', { Authorization: 'Bearer ' }],
  ])('answers 401 INVALID_API_KEY to %s', async (_label, headers: Record<string, string>) => {
    const response = await request(testApp.server).get('/metrics').set(headers);

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'INVALID_API_KEY', error_id: expect.any(String) });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.text).not.toContain('haven_');
  });

  it.each([
    ['Bearer', `Bearer ${METRICS_TOKEN}`],
    ['bearer, in lower case', `bearer ${METRICS_TOKEN}`],
  ])('serves the metrics to the token (%s)', async (_label, authorization) => {
    const response = await request(testApp.server).get('/metrics').set('Authorization', authorization);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toContain(OUR_METRIC);
  });
});

describe('/metrics with neither setting', () => {
  it('is open outside production', async () => {
    const testApp = await startTestApp();
    try {
      const response = await request(testApp.server).get('/metrics');

      expect(response.status).toBe(200);
      expect(response.text).toContain(OUR_METRIC);
    } finally {
      await testApp.close();
    }
  });
});
