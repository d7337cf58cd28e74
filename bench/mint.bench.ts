/**
 * bench:mint: confirmed mints per second through the REST API of two service instances,
 * next to a bare viem script sending the same number of mints to the same anvil.
 *
 *   node -r @swc-node/register bench/mint.bench.ts [--count=4000] [--concurrency=100] [--block-time=2]
 *
 * Method
 * - One anvil (`--block-time 2`, Base's cadence) with HAVEN deployed, one PostgreSQL database
 *   cloned from the migrated test template, one Redis prefix: all on loopback.
 * - Baseline: a bare viem script (viem's default http transport) with the hot wallet's key
 *   assigns nonces itself (no lookup per send) and sends `count` `mint` calls at once with
 *   `writeContract` (viem estimates gas and fees per call, as any script does). Time: first send to the wallet's mined nonce count
 *   reaching the last one.
 * - Ours, twice: two service processes (`npm start`'s command, production code path) sharing
 *   the database, Redis and the chain, with BATCH_MINT_MAX_SIZE=1 (every mint its own
 *   transaction) and then 100 (same-reason mints packed into batchMint). A client keeps
 *   `concurrency` POST /api/v1/token/mint requests in flight, alternating instances. Time:
 *   first request to the last request `confirmed` in the database. Request latency is the
 *   POST round trip (the 202), not confirmation.
 * - Phases run one after another on the same chain; each prints its figures, then a table.
 */
import { randomUUID } from 'node:crypto';

import { type Address, createWalletClient, formatUnits, http, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { chainFromId } from '../src/chain/chain.definition';
import { havenAbi } from '../src/chain/haven.abi';
import { startTestChain, type TestChain } from '../test/support/chain';
import { TEST_API_KEY } from '../test/support/config';
import { createTestDatabase, withClient } from '../test/support/database';
import globalSetup from '../test/support/global-setup';
import { startInstance } from '../test/support/service-instances';
import { formatMachine, machineInfo } from './support/machine';
import { fmt, summarize, table } from './support/stats';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('='))) as Record<
  string,
  string | undefined
>;
const COUNT = Number(args.count ?? 4000);
const CONCURRENCY = Number(args.concurrency ?? 100);
const BLOCK_TIME = Number(args['block-time'] ?? 2);

interface PhaseResult {
  name: string;
  seconds: number;
  mintsPerSecond: number;
  latencyMs?: { p50: number; p99: number };
}

/** No phase may run longer than this: a send lost on the way must fail the run, not hang it. */
const PHASE_DEADLINE_MS = 5 * 60_000;

async function waitUntil(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + PHASE_DEADLINE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const recipient = (): Address => privateKeyToAccount(generatePrivateKey()).address;
const minedCount = async (chain: TestChain) =>
  BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'latest' }));

async function bareViem(chain: TestChain): Promise<PhaseResult> {
  // A script as anyone would write it: viem's defaults, none of the service's transport tuning,
  // except a timeout long enough for 4,000 sends at once to queue at anvil on 2 cores (with
  // the default 10 s some time out and the whole baseline fails).
  const wallet = createWalletClient({
    account: privateKeyToAccount(chain.backendPrivateKey),
    chain: chainFromId(chain.chainId, chain.rpcUrl),
    transport: http(chain.rpcUrl, { timeout: 60_000 }),
  });
  const first = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      wallet.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'mint',
        args: [recipient(), parseUnits('1', 18), 'bench'],
        nonce: Number(first) + i,
      }),
    ),
  );
  await waitUntil('the bare script’s mints', async () => (await minedCount(chain)) >= first + BigInt(COUNT));
  const seconds = (performance.now() - started) / 1000;
  return { name: 'bare viem script (pre-assigned nonces)', seconds, mintsPerSecond: COUNT / seconds };
}

async function throughRest(chain: TestChain, batchSize: number): Promise<PhaseResult> {
  const database = await createTestDatabase();
  const shared = { databaseUrl: database.url, chain, redisKeyPrefix: `haven-bench:${randomUUID()}:` };
  const extra = { BATCH_MINT_MAX_SIZE: String(batchSize), LOG_LEVEL: 'error' };
  const instances = await Promise.all([startInstance(shared, extra), startInstance(shared, extra)]);
  try {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < COUNT; i = next++) {
          const sent = performance.now();
          const response = await fetch(`${instances[i % 2].url}/api/v1/token/mint`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, 'idempotency-key': `bench-${i}` },
            body: JSON.stringify({ userId: `user-${i}`, to: recipient(), amount: formatUnits(parseUnits('1', 18), 18), reason: 'bench' }),
          });
          latencies.push(performance.now() - sent);
          if (response.status !== 202) throw new Error(`mint answered ${response.status}: ${await response.text()}`);
        }
      }),
    );
    await waitUntil('every request confirmed', async () => {
      const confirmed = await withClient(
        database.url,
        async (client) =>
          (await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM transactions WHERE status = 'confirmed'`)).rows[0]
            .count,
      );
      return confirmed >= COUNT;
    });
    const seconds = (performance.now() - started) / 1000;
    const summary = summarize(latencies);
    return {
      name: `REST, 2 instances, ${batchSize === 1 ? 'unbatched' : `batchMint ≤ ${batchSize}`}`,
      seconds,
      mintsPerSecond: COUNT / seconds,
      latencyMs: { p50: summary.p50, p99: summary.p99 },
    };
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await database.drop();
  }
}

async function main(): Promise<void> {
  console.log(`bench:mint: confirmed mints/s, REST through 2 instances vs a bare viem script, anvil --block-time ${BLOCK_TIME}`);
  console.log(formatMachine(await machineInfo()));
  console.log(`load: ${fmt(COUNT)} mints per phase; REST client keeps ${CONCURRENCY} requests in flight\n`);
  await globalSetup();
  const chain = await startTestChain({ blockTime: BLOCK_TIME });
  try {
    const results: PhaseResult[] = [];
    for (const phase of [() => bareViem(chain), () => throughRest(chain, 1), () => throughRest(chain, 100)]) {
      const result = await phase();
      console.log(`${result.name}: ${fmt(result.mintsPerSecond, 1)} mints/s (${fmt(result.seconds, 2)} s)`);
      results.push(result);
    }
    const baseline = results[0].mintsPerSecond;
    console.log(
      '\n' +
        table(
          ['side', 'mints/s', 'vs bare viem', 'seconds', 'POST p50 ms', 'POST p99 ms'],
          results.map((result) => [
            result.name,
            fmt(result.mintsPerSecond, 1),
            `${fmt((100 * result.mintsPerSecond) / baseline, 1)}%`,
            fmt(result.seconds, 2),
            result.latencyMs ? fmt(result.latencyMs.p50, 1) : '-',
            result.latencyMs ? fmt(result.latencyMs.p99, 1) : '-',
          ]),
        ),
    );
    const unbatched = results[1].mintsPerSecond / baseline;
    const batched = results[2].mintsPerSecond / baseline;
    console.log(`\ntarget: unbatched >= 80% of bare viem: ${fmt(unbatched * 100, 1)}% -> ${unbatched >= 0.8 ? 'MET' : 'NOT MET'}`);
    console.log(`target: batched several times bare viem: ${fmt(batched, 1)}x`);
  } finally {
    await chain.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
