import { type Address, parseUnits } from 'viem';

import type { AppConfig } from '../../src/config';
import { startTestApp, type TestApp } from './app';
import { newAddress, type TestChainOptions } from './chain';
import { withClient } from './database';
import { eventually } from './eventually';
import { insertQueuedRequest, requestRows, type StoredRequest } from './factories';
import { expectReconciled, type Reconciliation } from './reconcile';
import { type RpcFaultProxy, startRpcFaultProxy } from './rpc-fault-proxy';

export const tokens = (amount: string | number): bigint => parseUnits(String(amount), 18);

/** The pipeline's stuck threshold in these tests: pending 1.2 s counts as stuck, so replacements happen mid-fault. */
export const FAST_STUCK_MINUTES = 0.02;

/**
 * The RPC endpoint the app is given is a fault proxy in front of the test's anvil, so a
 * test can make the provider refuse, delay or lag any call. Use as
 * `startTestApp({ config: behindProxy(proxy, ...) })`.
 */
export function behindFaultProxy(
  proxy: { setUpstream(url: string): void; url: string },
  change: (config: AppConfig) => AppConfig = (c) => c,
) {
  return (config: AppConfig): AppConfig => {
    proxy.setUpstream(config.chain.rpcUrl);
    return change({ ...config, chain: { ...config.chain, rpcUrl: proxy.url } });
  };
}

/** A fault proxy whose upstream is set once the test chain exists. */
export async function faultProxyForLater(): Promise<RpcFaultProxy & { setUpstream(url: string): void }> {
  let upstream = '';
  const proxy = await startRpcFaultProxy(() => upstream);
  return Object.assign(proxy, { setUpstream: (url: string) => void (upstream = url) });
}

/**
 * For a describe block: the returned `start` launches the real app behind a fresh fault
 * proxy; both are closed after each test.
 */
export function appsBehindFaultProxy(): (options?: {
  chain?: TestChainOptions;
  config?: (config: AppConfig) => AppConfig;
}) => Promise<{ testApp: TestApp; proxy: RpcFaultProxy }> {
  let started: { testApp: TestApp; proxy: RpcFaultProxy } | undefined;
  afterEach(async () => {
    await started?.testApp.close();
    await started?.proxy.close();
    started = undefined;
  });
  return async ({ chain, config } = {}) => {
    const proxy = await faultProxyForLater();
    started = { proxy, testApp: await startTestApp({ chain, config: behindFaultProxy(proxy, config) }) };
    return started;
  };
}

export const fastStuck = (config: AppConfig): AppConfig => ({
  ...config,
  monitoring: { ...config.monitoring, pendingTxThresholdMinutes: FAST_STUCK_MINUTES },
});

export const breakerNeverOpens = (config: AppConfig): AppConfig => ({
  ...config,
  circuitBreakers: { ...config.circuitBreakers, blockchain: { ...config.circuitBreakers.blockchain, failureThreshold: 1_000_000 } },
});

/** Accepted requests, inserted exactly as the API stores them. */
export function requests(testApp: Pick<TestApp, 'database' | 'chain'>) {
  const chainId = testApp.chain.chainId;
  const url = testApp.database.url;
  return {
    mint: (address: Address = newAddress(), amount = tokens(1), reason = 'stay reward') =>
      insertQueuedRequest(url, { address, amount, reason, chainId }),
    burn: (address: Address, amount = tokens(1)) =>
      insertQueuedRequest(url, { kind: 'burn', address, amount, reason: 'redemption', chainId }),
    rows: (ids: string[]) => requestRows(url, ids),
    /** Waits until every request has the status, reporting the stragglers if it times out. */
    waitFor: (ids: string[], status: string, timeoutMs = 60_000) =>
      eventually(
        async () => {
          const rows = await requestRows(url, ids);
          const behind = rows.filter((row) => row.status !== status);
          if (behind.length > 0)
            throw new Error(`${behind.length} of ${ids.length} not ${status}: ${behind.map((row) => row.status).join(', ')}`);
          return rows;
        },
        { timeoutMs, intervalMs: 200 },
      ),
    statuses: async (ids: string[]) => (await requestRows(url, ids)).map((row: StoredRequest) => row.status),
    attemptCount: async () =>
      withClient(
        url,
        async (client) => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM transaction_attempts')).rows[0].n,
      ),
  };
}

/** Every request in the database confirmed, and the chain's supply and events matching them exactly. */
export async function reconcileAll(
  testApp: Pick<TestApp, 'database' | 'chain'>,
  options: { allowFailed?: boolean; setupTransactions?: readonly `0x${string}`[] } = {},
): Promise<Reconciliation> {
  return expectReconciled({ chain: testApp.chain, databaseUrl: testApp.database.url, ...options });
}
