import Redis from 'ioredis';

import type { AppConfig } from '../../src/config';
import { startTestApp, type TestApp } from './app';
import { newAddress } from './chain';
import { TEST_REDIS_URL } from './config';
import { behindFaultProxy, fastStuck, faultProxyForLater, reconcileAll, requests, tokens } from './pipeline-harness';
import type { RpcFault, RpcFaultProxy } from './rpc-fault-proxy';

/**
 * Every JSON-RPC method the pipeline calls. A method used by the pipeline but missing here
 * fails the warm-up check, so a new dependency cannot escape the campaign.
 */
export const PIPELINE_METHODS = [
  'eth_call',
  'eth_estimateGas',
  'eth_getBlockByNumber',
  'eth_getTransactionByHash',
  'eth_getTransactionCount',
  'eth_getTransactionReceipt',
  'eth_maxPriorityFeePerGas',
  'eth_sendRawTransaction',
] as const;

/** The ways a provider fails, taken in turn: whole-request statuses, an error inside a batch, a reset, a hang. */
const FAULTS: RpcFault[] = [
  { kind: 'status', status: 429 },
  { kind: 'status', status: 503 },
  { kind: 'rpc-error', code: -32005, message: 'rate limit exceeded' },
  { kind: 'reset' },
  { kind: 'status', status: 500 },
  { kind: 'timeout' },
];

/**
 * Longer than every grace period the pipeline has or ever had (re-broadcast after 10 s, stuck
 * after 1.2 s here, three absent polls at 500 ms, the 5 s nonce lease, and the 30 s "not ours"
 * grace an earlier version re-queued after), so each one runs out mid-fault.
 */
export const REFUSAL_MS = 32_000;

/**
 * One method at a time refused for REFUSAL_MS while mints and redemptions are accepted, then
 * everything settles and the chain is reconciled against the requests: minted on chain ==
 * confirmed requests, nothing lost, nothing twice. Each window also holds the two paths
 * that read the chain only when something is off, so every method is really called:
 * - the nonce counter set behind the chain, so a fresh send meets "nonce too low" and the
 *   confirmer must find out, from the chain alone, who took that nonce;
 * - a redemption above the holder's balance, whose revert must be told from a paused
 *   contract or a missing role before it fails, and only then.
 */
export function describeMethodRefusals(title: string, configure: (config: AppConfig) => AppConfig, settleTimeoutMs: number): void {
  describe(title, () => {
    let testApp: TestApp;
    let proxy: RpcFaultProxy & { setUpstream(url: string): void };
    let holders: `0x${string}`[];

    beforeAll(async () => {
      proxy = await faultProxyForLater();
      testApp = await startTestApp({ chain: { blockTime: 1 }, config: behindFaultProxy(proxy, (config) => configure(fastStuck(config))) });
      // Warm-up: holders get a balance to redeem from, and the proxy sees what the pipeline calls.
      holders = [newAddress(), newAddress()];
      const pipeline = requests(testApp);
      await pipeline.waitFor(await Promise.all(holders.map((holder) => pipeline.mint(holder, tokens(50)))), 'confirmed');
    }, 120_000);

    afterAll(async () => {
      await testApp?.close();
      await proxy?.close();
    });

    it('covers every method the pipeline called while warming up', () => {
      const called = Object.keys(proxy.calls()).filter((method) => !['eth_chainId', 'anvil_setBalance'].includes(method));
      expect(called.filter((method) => !(PIPELINE_METHODS as readonly string[]).includes(method))).toEqual([]);
    });

    it.each(PIPELINE_METHODS.map((method, i) => [method, FAULTS[i % FAULTS.length]] as const))(
      'settles exactly once with %s refused (%o) while mints and redemptions land',
      async (method, fault) => {
        const pipeline = requests(testApp);
        proxy.resetCounts();
        const refusal = proxy.inject({ methods: [method], fault });
        await setNonceCounterBehindChain(testApp);
        const overdrawn = await pipeline.burn(holders[0], tokens(1_000));
        const ids = [
          await pipeline.mint(),
          await pipeline.mint(),
          await pipeline.mint(newAddress(), tokens('2.5'), 'birthday bonus'),
          await pipeline.burn(holders[0], tokens(1)),
        ];
        await new Promise((resolve) => setTimeout(resolve, REFUSAL_MS / 2));
        ids.push(await pipeline.mint(), await pipeline.burn(holders[1], tokens('0.5')));
        await new Promise((resolve) => setTimeout(resolve, REFUSAL_MS / 2));
        refusal.clear();

        expect(proxy.faulted()[method]).toBeGreaterThan(0);
        await pipeline.waitFor(ids, 'confirmed', settleTimeoutMs);
        const [failed] = await pipeline.waitFor([overdrawn], 'failed', settleTimeoutMs);
        expect(failed.error_message).toMatch(/ERC20InsufficientBalance/);
        const ledger = await reconcileAll(testApp, { allowFailed: true });
        expect(ledger.requests.unsettled).toBe(0);
      },
      settleTimeoutMs + REFUSAL_MS + 30_000,
    );
  });
}

/** As if Redis had lost the counter and an old value came back: the next reservation is a nonce the chain has used. */
async function setNonceCounterBehindChain(testApp: TestApp): Promise<void> {
  const { chain, config } = testApp;
  const used = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'latest' }));
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: config.redis.keyPrefix });
  try {
    await redis.set(`nonce:{${chain.chainId}:${chain.backendAddress.toLowerCase()}}:next`, String(used > 2n ? used - 2n : 0n));
  } finally {
    await redis.quit();
  }
}
