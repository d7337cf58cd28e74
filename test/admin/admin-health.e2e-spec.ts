import { Logger } from '@nestjs/common';
import request from 'supertest';

import { CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import { NonceManager } from '../../src/nonce/nonce-manager.service';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';

const ADMIN_ROUTES = [
  ['get', '/api/v1/admin/health/circuit-breakers'],
  ['post', '/api/v1/admin/health/circuit-breakers/blockchain/reset'],
  ['get', '/api/v1/admin/health/nonce-status/0x0000000000000000000000000000000000000001'],
  ['post', '/api/v1/admin/health/nonce-reset/0x0000000000000000000000000000000000000001'],
] as const;

const REFUSED_KEYS = [
  ['no key', undefined],
  ['a wrong key', 'not-the-admin-key-0123456789'],
  ['the client key', TEST_API_KEY],
] as const;

describe('admin API: circuit breakers and nonces', () => {
  let testApp: TestApp;
  let logged: unknown[][];

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  beforeEach(() => {
    logged = [];
    for (const level of ['log', 'warn'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
        logged.push([level, ...args]);
      });
    }
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(() => testApp.close());

  const admin = (method: 'get' | 'post', path: string) => request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);
  /** An operator's script written for the Python backend's admin API. */
  const pythonScript = (method: 'get' | 'post', path: string) =>
    request(testApp.server)[method](path).set('X-Admin-Key', TEST_ADMIN_API_KEY);
  const accessLog = () => logged.filter(([, , message]) => typeof message === 'string' && message.startsWith('admin call'));

  describe.each(ADMIN_ROUTES)('%s %s', (method, path) => {
    it.each(REFUSED_KEYS)('answers 401 INVALID_API_KEY with %s, and logs the refusal by fingerprint', async (_label, key) => {
      const call = request(testApp.server)[method](path);
      const response = await (key === undefined ? call : call.set('X-API-Key', key));

      expect(response.status).toBe(401);
      expect(response.body.error).toBe('INVALID_API_KEY');
      const [entry] = accessLog();
      expect(entry).toEqual([
        'warn',
        expect.objectContaining({
          method: method.toUpperCase(),
          status: 401,
          keyFingerprint: expect.stringMatching(/^([0-9a-f]{8}|none)$/),
        }),
        'admin call refused',
      ]);
      expect(JSON.stringify(logged)).not.toContain(TEST_API_KEY);
    });

    it('is in the OpenAPI document, secured by the admin key, with the shape it answers', async () => {
      const { body: doc } = await request(testApp.server).get('/docs/openapi.json');
      const documented = Object.entries(doc.paths as Record<string, Record<string, { security?: object[] }>>).find(([template]) =>
        new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
      );

      expect(documented?.[1][method]?.security).toEqual([{ 'admin-key': [] }, { 'admin-key-legacy': [] }]);
      expect(Object.keys(documented?.[1][method] ?? {})).toContain('responses');
      const ok = (documented?.[1][method] as { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> })
        ?.responses?.['200'];
      const ref = ok?.content?.['application/json']?.schema?.$ref ?? '';
      expect(Object.keys(doc.components.schemas[ref.replace('#/components/schemas/', '')]?.properties ?? {})).not.toHaveLength(0);
    });
  });

  it('lists every breaker with its state, counts and settings; every accepted call is logged, never the key', async () => {
    const response = await admin('get', '/api/v1/admin/health/circuit-breakers');

    expect(response.status).toBe(200);
    expect(Object.keys(response.body.circuit_breakers).sort()).toEqual(['blockchain', 'kms', 'smtp', 'webhook']);
    // The Python backend's admin API answered with these counts too.
    expect(response.body).toMatchObject({ total_count: 4, open_count: 0, half_open_count: 0 });
    expect(response.body.circuit_breakers.blockchain).toEqual({
      state: 'closed',
      failure_count: 0,
      success_count: 0,
      opened_at: null,
      retry_at: null,
      failure_threshold: 5,
      success_threshold: 2,
      timeout_seconds: 30,
    });
    expect(accessLog()).toEqual([
      ['log', expect.objectContaining({ status: 200, keyFingerprint: expect.stringMatching(/^[0-9a-f]{8}$/) }), 'admin call'],
    ]);
    expect(JSON.stringify(logged)).not.toContain(TEST_ADMIN_API_KEY);
  });

  it('resets an open breaker: calls go through again at once', async () => {
    const blockchain = testApp.app.get(CircuitBreakerRegistry).get('blockchain')!;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 5; i++) await blockchain.execute(() => Promise.reject(refused)).catch(() => undefined);
    // `/health` serves one report per second: the next one shows the breaker open.
    await eventually(async () => expect((await admin('get', '/health')).body.circuit_breakers.blockchain.state).toBe('open'));
    expect((await pythonScript('get', '/api/v1/admin/health/circuit-breakers')).body).toMatchObject({ total_count: 4, open_count: 1 });

    const response = await admin('post', '/api/v1/admin/health/circuit-breakers/blockchain/reset');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: 'blockchain', state: 'closed', failure_count: 0, opened_at: null });
    expect((await admin('get', '/api/v1/admin/health/circuit-breakers')).body).toMatchObject({ total_count: 4, open_count: 0 });
    const health = await eventually(async () => {
      const report = await admin('get', '/health');
      expect(report.body.circuit_breakers.blockchain.state).toBe('closed');
      return report;
    });
    expect(health.body.status).toBe('ok');
    // Both transitions were counted for Prometheus.
    const metrics = (await request(testApp.server).get('/metrics')).text;
    expect(metrics).toContain('haven_circuit_breaker_transitions_total{breaker="blockchain",from="closed",to="open"} 1');
    expect(metrics).toContain('haven_circuit_breaker_transitions_total{breaker="blockchain",from="open",to="closed"} 1');
    expect(metrics).toContain('haven_circuit_breaker_state{breaker="blockchain"} 0');
  });

  it('answers 404 CIRCUIT_BREAKER_NOT_FOUND for a breaker that does not exist', async () => {
    const response = await admin('post', '/api/v1/admin/health/circuit-breakers/nope/reset');

    expect(response.status).toBe(404);
    expect(response.body.error).toBe('CIRCUIT_BREAKER_NOT_FOUND');
    expect(response.body.details.known).toEqual(expect.arrayContaining(['blockchain', 'smtp', 'webhook', 'kms']));
  });

  it('reports the nonce counter of a sending wallet next to the chain', async () => {
    const address = testApp.chain.backendAddress;
    const pending = await testApp.chain.publicClient.getTransactionCount({ address, blockTag: 'pending' });
    await testApp.app.get(NonceManager).reserve(address);

    const response = await admin('get', `/api/v1/admin/health/nonce-status/${address.toLowerCase()}`);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      address,
      chain_id: testApp.chain.chainId,
      counter: String(pending + 1),
      chain_pending: String(pending),
      in_flight: [],
    });
  });

  it('rebuilds a drifted nonce counter from the chain', async () => {
    const address = testApp.chain.backendAddress;
    const nonces = testApp.app.get(NonceManager);
    // Reservations never stored: the counter runs ahead of the chain with holes behind it.
    for (let i = 0; i < 3; i++) await nonces.reserve(address);
    const pending = await testApp.chain.publicClient.getTransactionCount({ address, blockTag: 'pending' });
    expect((await admin('get', `/api/v1/admin/health/nonce-status/${address}`)).body.gaps.length).toBeGreaterThan(0);

    const response = await pythonScript('post', `/api/v1/admin/health/nonce-reset/${address}`);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      counter: String(pending),
      ahead: '0',
      gaps: [],
      recycled: [],
      // The Python backend's nonce reset answered with these.
      status: 'success',
      message: expect.any(String),
      wallet_address: address,
      new_nonce: pending,
    });
    expect(await nonces.reserve(address)).toBe(BigInt(pending));
  });

  it('refuses a malformed address with 400 INVALID_ADDRESS', async () => {
    const response = await admin('get', '/api/v1/admin/health/nonce-status/0x123');

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('INVALID_ADDRESS');
  });

  it('never accepts the admin key on client routes', async () => {
    const response = await request(testApp.server).get('/api/v1/transactions').set('X-API-Key', TEST_ADMIN_API_KEY);

    expect(response.status).toBe(401);
  });
});
