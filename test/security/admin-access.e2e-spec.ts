import request from 'supertest';

import type { AppConfig } from '../../src/config';
import { SecurityEventRecorder } from '../../src/security/security-event.recorder';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';

const SECOND_ADMIN_KEY = 'second-admin-key-0123456789abcdef';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface AdminRoute {
  method: Method;
  path: string;
}

/** Every admin route the OpenAPI document lists, with its path parameters filled in. */
async function adminRoutes(testApp: TestApp): Promise<AdminRoute[]> {
  const { body: document } = await request(testApp.server).get('/docs/openapi.json');
  const samples: Record<string, string> = {
    walletId: 'guest-admin-access',
    address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    name: 'blockchain',
    txId: '00000000-0000-4000-8000-000000000000',
  };
  const routes: AdminRoute[] = [];
  for (const [template, operations] of Object.entries(document.paths as Record<string, Record<string, { security?: unknown }>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      // /health also documents the admin key, as one way to see its details; it is not an admin route.
      if (!template.startsWith('/api/v1/admin') || !JSON.stringify(operation.security ?? []).includes('admin-key')) continue;
      const path = template.replace(/\{(\w+)\}/g, (_match, name: string) => samples[name] ?? 'x');
      routes.push({ method: method as Method, path });
    }
  }
  return routes;
}

const send = (testApp: TestApp, route: AdminRoute, headers: Record<string, string>) => {
  let call = request(testApp.server)[route.method](route.path);
  for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
  return route.method === 'get' ? call : call.send(route.path.endsWith('/wallets') ? { walletId: 'guest-admin-access' } : {});
};

const withAdminNetwork = (allowed: string[], trustProxy: AppConfig['http']['trustProxy']) => (config: AppConfig) => ({
  ...config,
  http: { ...config.http, trustProxy },
  security: { ...config.security, adminApiKeys: [TEST_ADMIN_API_KEY, SECOND_ADMIN_KEY], adminAllowedIps: allowed },
});

describe('admin access: keys, address allowlist and proxies', () => {
  describe('from an allowed address', () => {
    let testApp: TestApp;
    let routes: AdminRoute[];

    beforeAll(async () => {
      testApp = await startTestApp({ config: withAdminNetwork(['10.0.0.0/8', '127.0.0.1'], false) });
      routes = await adminRoutes(testApp);
    });
    afterAll(() => testApp.close());

    it('finds the admin routes in the OpenAPI document', () => {
      expect(routes.length).toBeGreaterThanOrEqual(10);
      expect(routes).toContainEqual({ method: 'get', path: '/api/v1/admin/transactions' });
    });

    it.each([
      ['no key', {}],
      ['a wrong key', { 'X-API-Key': 'wrong-admin-key-0123456789' }],
      ['the client key', { 'X-API-Key': TEST_API_KEY }],
      ['a wrong X-Admin-Key', { 'X-Admin-Key': 'wrong-admin-key-0123456789' }],
      ['the client key as X-Admin-Key', { 'X-Admin-Key': TEST_API_KEY }],
    ])('every admin route answers 401 INVALID_API_KEY with %s', async (_label, headers) => {
      for (const route of routes) {
        const response = await send(testApp, route, headers);
        expect([route.method, route.path, response.status, response.body.error]).toEqual([
          route.method,
          route.path,
          401,
          'INVALID_API_KEY',
        ]);
      }
    });

    it.each([
      ['the current admin key', 'X-API-Key', TEST_ADMIN_API_KEY],
      ['the previous admin key (rotation)', 'X-API-Key', SECOND_ADMIN_KEY],
      ["the admin key in the Python backend's X-Admin-Key header", 'X-Admin-Key', TEST_ADMIN_API_KEY],
    ])('every admin route lets %s through, and the lists answer 200', async (_label, header, key) => {
      for (const route of routes) {
        const response = await send(testApp, route, { [header]: key });
        expect([route.path, response.status]).not.toEqual([route.path, 401]);
        expect([route.path, response.status]).not.toEqual([route.path, 403]);
        expect(response.status).toBeLessThan(500);
      }
      for (const path of ['/api/v1/admin/transactions', '/api/v1/admin/wallets', '/api/v1/admin/health/circuit-breakers']) {
        expect([path, (await request(testApp.server).get(path).set(header, key)).status]).toEqual([path, 200]);
      }
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=127.0.0.1), allowlist 10.0.0.0/8', () => {
    let testApp: TestApp;

    beforeAll(async () => {
      testApp = await startTestApp({ config: withAdminNetwork(['10.0.0.0/8'], ['127.0.0.1']) });
    });
    afterAll(() => testApp.close());

    const circuitBreakers = (headers: Record<string, string>) =>
      send(testApp, { method: 'get', path: '/api/v1/admin/health/circuit-breakers' }, { 'X-API-Key': TEST_ADMIN_API_KEY, ...headers });

    it('believes the proxy’s X-Forwarded-For: an allowed client address gets in', async () => {
      expect((await circuitBreakers({ 'X-Forwarded-For': '10.20.30.40' })).status).toBe(200);
    });

    it('refuses an address outside the list with 403 IP_NOT_ALLOWED, even with a valid key, and counts the refusal', async () => {
      const outside = await circuitBreakers({ 'X-Forwarded-For': '203.0.113.9' });
      const proxyItself = await circuitBreakers({});

      expect([outside.status, outside.body.error]).toEqual([403, 'IP_NOT_ALLOWED']);
      expect([proxyItself.status, proxyItself.body.error]).toEqual([403, 'IP_NOT_ALLOWED']);
      await testApp.app.get(SecurityEventRecorder).flush();
      const events = await withClient(
        testApp.database.url,
        async (client) =>
          (
            await client.query<{ source_ip: string; count: number }>(
              `SELECT source_ip, count FROM security_events WHERE kind = 'admin_refused' AND details->>'status' = '403' ORDER BY source_ip`,
            )
          ).rows,
      );
      expect(events).toEqual([
        { source_ip: '127.0.0.1', count: 1 },
        { source_ip: '203.0.113.9', count: 1 },
      ]);
    });

    it('shows /health details to an admin key only from an allowed address', async () => {
      const health = (forwardedFor: string) =>
        request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY).set('X-Forwarded-For', forwardedFor);

      expect(Object.keys((await health('203.0.113.9')).body)).toEqual(['status']);
      expect(Object.keys((await health('10.1.1.1')).body)).toEqual(expect.arrayContaining(['status', 'circuit_breakers', 'monitoring']));
    });

    it('holds X-Admin-Key to the same address rule', async () => {
      const response = await send(
        testApp,
        { method: 'get', path: '/api/v1/admin/health/circuit-breakers' },
        { 'X-Admin-Key': TEST_ADMIN_API_KEY, 'X-Forwarded-For': '203.0.113.9' },
      );
      expect([response.status, response.body.error]).toEqual([403, 'IP_NOT_ALLOWED']);
    });

    it('answers 403 before looking at the key, so an outsider cannot probe keys', async () => {
      const response = await send(
        testApp,
        { method: 'get', path: '/api/v1/admin/wallets' },
        { 'X-API-Key': 'wrong-admin-key-0123456789', 'X-Forwarded-For': '198.51.100.1' },
      );
      expect([response.status, response.body.error]).toEqual([403, 'IP_NOT_ALLOWED']);
    });
  });

  describe('behind one trusted hop (TRUST_PROXY=1), allowlist 10.0.0.0/8', () => {
    let testApp: TestApp;

    beforeAll(async () => {
      testApp = await startTestApp({ config: withAdminNetwork(['10.0.0.0/8'], 1) });
    });
    afterAll(() => testApp.close());

    const circuitBreakers = (forwardedFor: string) =>
      send(
        testApp,
        { method: 'get', path: '/api/v1/admin/health/circuit-breakers' },
        { 'X-API-Key': TEST_ADMIN_API_KEY, 'X-Forwarded-For': forwardedFor },
      );

    it('takes the address the one proxy saw, not one the client wrote before it', async () => {
      // The proxy appends the address it saw: the last entry is the client's, the rest are the client's own words.
      expect((await circuitBreakers('203.0.113.9, 10.20.30.40')).status).toBe(200);
      const spoofed = await circuitBreakers('10.20.30.40, 203.0.113.9');
      expect([spoofed.status, spoofed.body.error]).toEqual([403, 'IP_NOT_ALLOWED']);
    });
  });

  describe('without a trusted proxy, allowlist 10.0.0.0/8', () => {
    let testApp: TestApp;

    beforeAll(async () => {
      testApp = await startTestApp({ config: withAdminNetwork(['10.0.0.0/8'], false) });
    });
    afterAll(() => testApp.close());

    it('ignores X-Forwarded-For from the untrusted peer: claiming an allowed address does not get in', async () => {
      const response = await send(
        testApp,
        { method: 'get', path: '/api/v1/admin/health/circuit-breakers' },
        { 'X-API-Key': TEST_ADMIN_API_KEY, 'X-Forwarded-For': '10.20.30.40' },
      );
      expect([response.status, response.body.error]).toEqual([403, 'IP_NOT_ALLOWED']);
    });
  });
});
