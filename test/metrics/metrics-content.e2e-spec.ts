import type { Pool, PoolClient } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import { COUNT_TIMEOUT_MS, COUNTS_TTL_MS } from '../../src/transactions/transaction.metrics';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { tokenClient } from '../token/token-client';
import { type Exposition, parseExposition, samplesOf, valueOf } from './support/exposition';

const MINTS = 3;
const ADMIN_PER_MINUTE = 8;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const ADDRESS = /0x[0-9a-f]{40}/i;

/**
 * `/metrics` after real traffic: mints accepted over HTTP, signed, mined on anvil and
 * confirmed two blocks deep, reads by id, an operator's nonce resync, an unknown route and
 * admin calls past their rate limit. One scrape taken at the end is read by every test.
 */
describe('/metrics after real mints on anvil', () => {
  let testApp: TestApp;
  let text: string;
  let exposition: Exposition;
  let txIds: string[];

  const scrape = async () => {
    const response = await request(testApp.server).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text;
  };
  const admin = (method: 'get' | 'post', path: string) => request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);
  const routeLabels = () =>
    samplesOf(exposition)
      .filter((sample) => sample.name === 'haven_http_requests_total')
      .map((sample) => sample.labels.route);

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        chain: { ...config.chain, confirmations: 2 },
        rateLimits: { ...config.rateLimits, adminPerMinute: ADMIN_PER_MINUTE },
      }),
    });
    const api = await tokenClient(testApp);
    txIds = [];
    for (let i = 0; i < MINTS; i++) {
      const accepted = await api.post('mint', api.mintBody({ userId: `metrics-${i}` }));
      expect(accepted.status).toBe(202);
      txIds.push(accepted.body.txId);
    }
    // Each mined block deepens the mints by one; two deep they are confirmed.
    await eventually(
      async () => {
        await testApp.chain.testClient.mine({ blocks: 1 });
        const [{ confirmed }] = await api.sql<{ confirmed: number }>(
          `SELECT count(*)::int AS confirmed FROM transactions WHERE status = 'confirmed' AND id = ANY($1::uuid[])`,
          [txIds],
        );
        expect(confirmed).toBe(MINTS);
      },
      { intervalMs: 200 },
    );
    expect((await api.get(`/api/v1/transactions/${txIds[0]}`)).status).toBe(200);
    expect((await api.get('/api/v1/no/such/route/0x0000000000000000000000000000000000000001')).status).toBe(404);
    const backend = testApp.chain.backendAddress;
    expect((await admin('get', `/api/v1/admin/health/nonce-status/${backend}`)).status).toBe(200);
    expect((await admin('post', `/api/v1/admin/health/nonce-reset/${backend}`)).status).toBe(200);
    let refused = false;
    for (let call = 0; call <= ADMIN_PER_MINUTE && !refused; call++) {
      refused = (await admin('get', '/api/v1/admin/health/circuit-breakers')).status === 429;
    }
    expect(refused).toBe(true);
    // A request is recorded when its response closes, a moment after the caller has it.
    await eventually(async () => {
      text = await scrape();
      exposition = parseExposition(text);
      expect(valueOf(exposition, 'haven_http_requests_total', { route: '/api/v1/admin/health/circuit-breakers', status: '429' })).toBe(1);
    });
  }, 90_000);

  afterAll(() => testApp?.close());

  it('is valid Prometheus text exposition, checked line by line', () => {
    expect(() => parseExposition(text)).not.toThrow();
    expect(exposition.size).toBeGreaterThan(20);
  });

  it('reports requests by status from the database, every status present, the queue empty', () => {
    expect(valueOf(exposition, 'haven_transactions', { status: 'confirmed' })).toBe(MINTS);
    for (const status of ['queued', 'signed', 'submitted', 'mined', 'reorged', 'failed']) {
      expect(valueOf(exposition, 'haven_transactions', { status })).toBe(0);
    }
    expect(valueOf(exposition, 'haven_queue_depth')).toBe(0);
  });

  it('observes accept-to-confirmed once per confirmed mint, and has a burn series at zero', () => {
    const histogram = 'haven_transaction_accept_to_confirmed_seconds';
    expect(exposition.get(histogram)?.type).toBe('histogram');
    expect(valueOf(exposition, `${histogram}_count`, { kind: 'mint' })).toBe(MINTS);
    expect(valueOf(exposition, `${histogram}_bucket`, { kind: 'mint', le: '+Inf' })).toBe(MINTS);
    expect(valueOf(exposition, `${histogram}_sum`, { kind: 'mint' })).toBeGreaterThan(0);
    expect(valueOf(exposition, `${histogram}_count`, { kind: 'burn' })).toBe(0);
  });

  it('counts HTTP requests under their route template, with their status and a duration', () => {
    const mint = { method: 'POST', route: '/api/v1/token/mint', status: '202' };
    expect(valueOf(exposition, 'haven_http_requests_total', mint)).toBe(MINTS);
    expect(valueOf(exposition, 'haven_http_request_duration_seconds_count', mint)).toBe(MINTS);
    expect(valueOf(exposition, 'haven_http_requests_total', { method: 'GET', route: '/api/v1/transactions/:txId', status: '200' })).toBe(1);
    expect(
      valueOf(exposition, 'haven_http_requests_total', {
        method: 'POST',
        route: '/api/v1/admin/health/nonce-reset/:address',
        status: '200',
      }),
    ).toBe(1);
  });

  it('never puts an id or an address in a route label', () => {
    const routes = routeLabels();
    expect(routes.length).toBeGreaterThan(4);
    for (const route of routes) {
      expect(route).not.toMatch(UUID);
      expect(route).not.toMatch(ADDRESS);
      expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
    }
    for (const txId of txIds) expect(text).not.toContain(txId);
  });

  it('counts a request no route matched as "unmatched", and a refusal before the handler under its route', () => {
    expect(valueOf(exposition, 'haven_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    const throttled = { method: 'GET', route: '/api/v1/admin/health/circuit-breakers', status: '429' };
    expect(valueOf(exposition, 'haven_http_requests_total', throttled)).toBe(1);
    expect(valueOf(exposition, 'haven_rate_limited_total', { limit: 'admin' })).toBe(1);
  });

  it('counts nonce reservations and the operator resync, with every resync reason present', () => {
    expect(valueOf(exposition, 'haven_nonce_reservations_total')).toBeGreaterThanOrEqual(1);
    expect(valueOf(exposition, 'haven_nonce_resyncs_total', { reason: 'operator' })).toBe(1);
    expect(valueOf(exposition, 'haven_nonce_resyncs_total', { reason: 'chain_sync' })).toBe(0);
    expect(valueOf(exposition, 'haven_nonce_resyncs_total', { reason: 'reconcile' })).toBe(0);
  });

  it('reports the database pool by state, within its configured size', () => {
    const size = testApp.config.database.poolSize;
    const inUse = valueOf(exposition, 'haven_db_pool_connections', { state: 'in_use' });
    const idle = valueOf(exposition, 'haven_db_pool_connections', { state: 'idle' });
    expect(valueOf(exposition, 'haven_db_pool_max_connections')).toBe(size);
    expect(inUse + idle).toBeGreaterThanOrEqual(1);
    expect(inUse + idle).toBeLessThanOrEqual(size);
    expect(valueOf(exposition, 'haven_db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
  });

  it('keeps the breaker states', () => {
    expect(valueOf(exposition, 'haven_circuit_breaker_state', { breaker: 'blockchain' })).toBe(0);
  });

  // Last: it holds every pooled connection, which stalls the application while it runs.
  it('shows callers waiting while every pooled connection is taken, and still answers the scrape in time', async () => {
    const pool = (testApp.app.get(DataSource).driver as PostgresDriver).master as Pool;
    const size = testApp.config.database.poolSize;
    // Every connection; those the application holds are taken as it releases them, within moments.
    const held: PoolClient[] = [];
    while (held.length < size) held.push(await pool.connect());
    // Waits for as long as they are held (pg gives up on it after its connect timeout).
    const queued = pool.query('SELECT 1').catch(() => undefined);
    try {
      // Scrapes are served from the last count until it is COUNTS_TTL_MS old; the first one after
      // tries the database, cannot get a connection, and gives up after COUNT_TIMEOUT_MS.
      await eventually(
        async () => {
          const startedAt = Date.now();
          const saturated = parseExposition(await scrape());
          const took = Date.now() - startedAt;
          expect(valueOf(saturated, 'haven_db_pool_connections', { state: 'in_use' })).toBe(size);
          expect(valueOf(saturated, 'haven_db_pool_connections', { state: 'idle' })).toBe(0);
          expect(valueOf(saturated, 'haven_db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(1);
          expect(valueOf(saturated, 'haven_transactions', { status: 'confirmed' })).toBe(MINTS);
          expect(took).toBeGreaterThanOrEqual(COUNT_TIMEOUT_MS - 50);
          expect(took).toBeLessThan(COUNT_TIMEOUT_MS + 2_000);
        },
        { timeoutMs: COUNTS_TTL_MS + 3 * COUNT_TIMEOUT_MS },
      );
    } finally {
      for (const client of held) client.release();
      await queued;
    }
  });
});
