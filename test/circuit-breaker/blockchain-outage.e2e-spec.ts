import type { Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { type Address, parseUnits } from 'viem';

import { ChainReader } from '../../src/chain/chain.reader';
import { havenAbi } from '../../src/chain/haven.abi';
import { CircuitBreakerOpenError } from '../../src/circuit-breaker/circuit-breaker.errors';
import { type BreakerTransition, CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import type { AppConfig } from '../../src/config';
import { createTestApplication } from '../support/app';
import { newAddress, startTestChain, type TestChain } from '../support/chain';
import { TEST_ADMIN_API_KEY, TEST_API_KEY, testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy';

const OPEN_TIMEOUT_MS = 3_000;
const MINTS = 20;

interface Instance {
  app: INestApplication;
  server: Server;
  breakers: CircuitBreakerRegistry;
  chain: ChainReader;
  transitions: BreakerTransition[];
}

/**
 * Two instances of the service share PostgreSQL, Redis and one anvil, reached through a
 * proxy that counts RPC requests. anvil is stopped and started again mid-test.
 */
describe('the blockchain breaker through an RPC outage, on two instances', () => {
  let chain: TestChain;
  let database: TestDatabase;
  let rpc: RpcProxy;
  let a: Instance;
  let b: Instance;

  async function instance(config: AppConfig): Promise<Instance> {
    const app = await createTestApplication(config);
    await app.listen(0, '127.0.0.1');
    const breakers = app.get(CircuitBreakerRegistry);
    const transitions: BreakerTransition[] = [];
    breakers.onTransition((transition) => transitions.push(transition));
    return { app, server: app.getHttpServer() as Server, breakers, chain: app.get(ChainReader), transitions };
  }

  beforeAll(async () => {
    [chain, database] = await Promise.all([startTestChain(), createTestDatabase()]);
    rpc = await startRpcProxy(chain.rpcUrl);
    const base = testConfig({ databaseUrl: database.url, chain: { ...chain, rpcUrl: rpc.url } });
    const blockchain = { failureThreshold: 5, successThreshold: 2, openTimeoutMs: OPEN_TIMEOUT_MS };
    const config = { ...base, circuitBreakers: { ...base.circuitBreakers, blockchain } };
    [a, b] = await Promise.all([instance(config), instance(config)]);
  });

  afterAll(async () => {
    await Promise.all([a?.app.close(), b?.app.close()]);
    await Promise.all([rpc?.close(), chain?.stop(), database?.drop()]);
  });

  const blockchainOn = (instance: Instance) => instance.breakers.get('blockchain')!;
  const mint = (instance: Instance, to: Address, i: number) =>
    request(instance.server)
      .post('/api/v1/token/mint')
      .set('X-API-Key', TEST_API_KEY)
      .set('Idempotency-Key', `outage-${i}-${to}`)
      .send({ userId: `guest-${i}`, to, amount: '7', reason: 'outage test' });

  it('opens on the fifth failure, fails fast everywhere, keeps requests queued, and recovers by itself', async () => {
    expect(await a.chain.latestBlock()).toBeDefined();
    await chain.stopNode();

    // Four failures: still closed, and the count is shared.
    for (let i = 1; i <= 4; i++) {
      const failure = await a.chain.latestBlock().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(CircuitBreakerOpenError);
      expect(blockchainOn(a).snapshot).toMatchObject({ state: 'closed', failureCount: i });
    }
    // The fifth opens it, here and, through Redis, on the other instance.
    await expect(a.chain.latestBlock()).rejects.not.toBeInstanceOf(CircuitBreakerOpenError);
    expect(blockchainOn(a).snapshot).toMatchObject({ state: 'open', failureCount: 5 });
    const openedAt = blockchainOn(a).snapshot.openedAt!;
    await eventually(() => expect(blockchainOn(b).snapshot.state).toBe('open'), { timeoutMs: 2_000, intervalMs: 10 });

    // Later calls fail fast on both, without an RPC request.
    const sent = rpc.requests();
    for (const instance of [a, b]) {
      const refusal = await instance.chain.latestBlock().catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(CircuitBreakerOpenError);
      expect(refusal).toMatchObject({ code: 'CIRCUIT_BREAKER_OPEN', breaker: 'blockchain' });
    }
    // A client call that needs the chain answers 503 CIRCUIT_BREAKER_OPEN, with when to retry.
    const balance = await request(a.server).get(`/api/v1/token/balance/${newAddress()}`).set('X-API-Key', TEST_API_KEY);
    expect(balance.status).toBe(503);
    expect(balance.body).toMatchObject({ error: 'CIRCUIT_BREAKER_OPEN', details: { breaker: 'blockchain', retry_at: expect.any(String) } });
    expect(Number(balance.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(rpc.requests()).toBe(sent);

    // Health says so on both: degraded, not dead.
    for (const instance of [a, b]) {
      const health = await request(instance.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY);
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.circuit_breakers.blockchain).toMatchObject({ state: 'open', failure_count: 5, opened_at: expect.any(String) });
      expect(health.body.error.blockchain.status).toBe('down');
      expect((await request(instance.server).get('/health/ready')).status).toBe(200);
    }
    expect(rpc.requests()).toBe(sent);

    // Mints are still accepted while it is open; they wait in the queue.
    const recipients = Array.from({ length: MINTS }, () => newAddress());
    const accepted = await Promise.all(recipients.map((to, i) => mint(i % 2 === 0 ? a : b, to, i)));
    expect(accepted.map((response) => response.status)).toEqual(Array(MINTS).fill(202));
    const ids = accepted.map((response) => response.body.txId as string);
    expect(await statuses(ids)).toEqual({ queued: MINTS });

    // anvil returns; after the timeout, probes succeed and the breaker closes everywhere.
    await chain.resumeNode();
    for (const instance of [a, b]) {
      await eventually(() => expect(blockchainOn(instance).snapshot.state).toBe('closed'), { timeoutMs: 30_000, intervalMs: 50 });
    }
    const fleet = [...a.transitions, ...b.transitions].map((t) => `${t.from}->${t.to}`);
    expect(fleet.filter((t) => t === 'closed->open')).toHaveLength(1);
    expect(fleet).toContain('open->half_open');
    expect(fleet.filter((t) => t === 'half_open->closed')).toHaveLength(1);
    // Not before the timeout: the first probe waits it out.
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(OPEN_TIMEOUT_MS);

    // Every queued mint goes through, exactly once: no request lost.
    await eventually(async () => expect(await statuses(ids)).toEqual({ confirmed: MINTS }), { timeoutMs: 60_000, intervalMs: 250 });
    const balances = await Promise.all(
      recipients.map((holder) =>
        chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'balanceOf', args: [holder] }),
      ),
    );
    expect(balances).toEqual(Array(MINTS).fill(parseUnits('7', 18)));

    const alerts = await withClient(
      database.url,
      async (client) =>
        (
          await client.query<{ severity: string; title: string }>(
            `SELECT severity, title FROM alert_logs WHERE category = 'circuit_breaker' ORDER BY created_at`,
          )
        ).rows,
    );
    expect(alerts[0]).toEqual({ severity: 'critical', title: "Circuit breaker 'blockchain' opened after 5 failures" });
    expect(alerts.at(-1)?.title).toBe("Circuit breaker 'blockchain' closed: dependency recovered");
  }, 120_000);

  async function statuses(ids: string[]): Promise<Record<string, number>> {
    return withClient(database.url, async (client) => {
      const { rows } = await client.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM transactions WHERE id = ANY($1::uuid[]) GROUP BY status`,
        [ids],
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    });
  }
});
