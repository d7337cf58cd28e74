import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import { WalletAuditService } from '../../src/custody/audit/wallet-audit.service';
import { SecurityEventRecorder } from '../../src/security/security-event.recorder';
import { startTestApp, type TestApp } from '../support/app';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { nextKey, tokenClient } from '../token/token-client';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const BURST = 5_000;
const CONCURRENCY = 64;
const TABLES = [
  'transactions',
  'transaction_attempts',
  'wallet_custody',
  'wallet_audit_logs',
  'alert_logs',
  'error_logs',
  'security_events',
];

/** What an anonymous caller can reach: health, and every kind of refused admin call. */
const ANONYMOUS_CALLS: Array<{ method: string; path: string; headers?: Record<string, string>; body?: string }> = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/api/v1/admin/wallets' },
  { method: 'GET', path: '/api/v1/admin/wallets', headers: { 'x-api-key': 'guessed-admin-key-0123456789' } },
  {
    method: 'POST',
    path: '/api/v1/admin/wallets',
    headers: { 'x-api-key': 'guessed-admin-key-0123456789', 'content-type': 'application/json' },
    body: '{"walletId":"burst"}',
  },
  { method: 'POST', path: '/api/v1/admin/health/circuit-breakers/blockchain/reset' },
  { method: 'GET', path: '/api/v1/admin/no-such-route' },
  { method: 'GET', path: '/health' },
];

/**
 * 5,000 anonymous requests in a burst, with the production limits: nothing an anonymous caller
 * sends may open a breaker, stall minting, break the audit chain, grow the database without
 * bound or grow memory.
 */
describe('an anonymous burst of 5,000 requests to /health and admin routes', () => {
  let testApp: TestApp;
  let base: string;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({ ...config, rateLimits: { adminPerMinute: 60, clientPerMinute: 6000, anonymousPerMinute: 120 } }),
    });
    base = `http://127.0.0.1:${(testApp.server.address() as AddressInfo).port}`;
  });
  afterAll(() => testApp.close());

  const rowCounts = () =>
    withClient(testApp.database.url, async (client) => {
      const counts: Record<string, number> = {};
      for (const table of TABLES) counts[table] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
      return counts;
    });

  async function burst(count: number): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          const call = ANONYMOUS_CALLS[next++ % ANONYMOUS_CALLS.length];
          const response = await fetch(`${base}${call.path}`, { method: call.method, headers: call.headers, body: call.body });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    return statuses;
  }

  const heapAfterCollection = (): number => {
    collectGarbage();
    return process.memoryUsage().heapUsed;
  };

  it('opens no breaker, keeps minting, keeps the audit chain whole, and adds a bounded number of rows with flat memory', async () => {
    const api = await tokenClient(testApp);
    const before = await rowCounts();
    const mint = () => api.post('mint', api.mintBody({ userId: 'burst-survivor' }), nextKey());

    // Half the burst warms everything up (JIT, pools, the limiter's keys); the other half is measured.
    const warmUp = burst(BURST / 2);
    const duringBurst = await Promise.all(Array.from({ length: 10 }, mint));
    const firstStatuses = await warmUp;
    const heapBefore = heapAfterCollection();
    const secondStatuses = await burst(BURST / 2);
    const heapGrowth = heapAfterCollection() - heapBefore;
    const afterBurst = await Promise.all(Array.from({ length: 10 }, mint));

    const statuses = new Map(firstStatuses);
    for (const [status, n] of secondStatuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
    expect([...statuses.values()].reduce((sum, n) => sum + n, 0)).toBe(BURST);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect([...statuses.keys()].every((status) => [200, 401, 404, 429].includes(status))).toBe(true);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(BURST * 0.9);

    const breakers = testApp.app.get(CircuitBreakerRegistry).list();
    expect(breakers.map((breaker) => [breaker.name, breaker.snapshot.state, breaker.snapshot.failureCount])).toEqual(
      breakers.map((breaker) => [breaker.name, 'closed', 0]),
    );

    const accepted = [...duringBurst, ...afterBurst];
    expect(accepted.map((response) => response.status)).toEqual(accepted.map(() => 202));
    await eventually(async () => {
      const rows = await api.sql<{ status: string }>(`SELECT status FROM transactions WHERE user_id = 'burst-survivor'`);
      expect(rows.map((row) => row.status)).toEqual(accepted.map(() => 'confirmed'));
    });

    expect((await testApp.app.get(WalletAuditService).verify()).valid).toBe(true);

    await testApp.app.get(SecurityEventRecorder).flush();
    const after = await rowCounts();
    const added = Object.fromEntries(TABLES.map((table) => [table, after[table] - before[table]]));
    expect(added).toEqual(
      expect.objectContaining({ transactions: accepted.length, wallet_custody: 0, wallet_audit_logs: 0, alert_logs: 0, error_logs: 0 }),
    );
    // One row per kind of refusal, path and minute: a handful, not thousands.
    expect(added.security_events).toBeLessThanOrEqual(4 * ANONYMOUS_CALLS.length);

    // Flat: 2,500 more requests leave less than 32 MiB behind once collected.
    expect(heapGrowth).toBeLessThan(32 * 1024 * 1024);
  }, 180_000);
});
