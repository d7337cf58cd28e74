/**
 * bench:mint: confirmed mints per second through two service instances, next to a bare viem
 * script, on an anvil with Base's block time and block gas limit, and the chain's ceiling.
 *
 *   node -r @swc-node/register bench/mint.bench.ts [--count=4000] [--concurrency=100] [--block-time=2]
 *     [--gas-limit=300000000] [--batched-count=100000] [--queued=100000] [--bare-in-flight=256]
 *     [--phases=bare,unbatched,batched,queued] [--profile=DIR] [--timeline] [--instance-log=FILE] [--log-level=error]
 *     [--compiled]
 *
 * Method
 * - One anvil (`--block-time 2 --gas-limit <Base's>`) with HAVEN deployed, one PostgreSQL
 *   database per phase cloned from the migrated test template, one Redis prefix per phase: all
 *   on loopback. First, one batchMint of 100 fresh recipients measures gas per batched mint and
 *   so the chain's ceiling: block gas ÷ gas per batched mint ÷ block time.
 * - bare: a bare viem script (default http transport) with the hot wallet's key assigns nonces
 *   itself and sends `count` `mint` calls with `writeContract`, at most `bare-in-flight` at once
 *   (viem estimates gas and fees per call). Time: first send to the mined nonce count covering the last.
 * - unbatched / batched: two service processes (`npm start`'s command; with `--compiled`, the
 *   build the image runs, `node dist/src/main.js`, compiled once before the first phase) sharing database, Redis
 *   and chain, BATCH_MINT_MAX_SIZE=1 then 100. unbatched: a client keeps `concurrency` single
 *   POSTs in flight. batched: `batched-count` mints through bulk intake (POST
 *   /api/v1/token/mint/batch, 1,000 items each, 4 in flight) when the service has it, else
 *   single POSTs. Time: first request to the last request `confirmed` in the database.
 * - queued: the pipeline alone with its queue full: two instances (BATCH_MINT_MAX_SIZE=100)
 *   start idle, then `queued` mints are stored in one INSERT; time from that commit to the last
 *   `confirmed`. Also printed for the service phases: mints per second of chain time (mints
 *   over the blocks from the first to the last holding one), without the latency at both ends.
 * - `--timeline` prints, per block of the batched and queued phases, when its mints were
 *   stored, signed, submitted and confirmed; `--instance-log=FILE` keeps what the instances printed
 *   (at `--log-level`, `error` by default: `warn` adds every send the node refused or left unanswered).
 * - `--profile=DIR` writes a V8 CPU profile of each instance over the measured part of the
 *   batched and queued phases to DIR (bench/support/cpu-profile-on-signal.ts).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

import { Client } from 'pg';
import { createWalletClient, http, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { chainFromId } from '../src/chain/chain.definition';
import { havenAbi } from '../src/chain/haven.abi';
import { type CompiledBuild, compileService, startSoakInstance } from '../test/soak/instance';
import { startTestChain, type TestChain } from '../test/support/chain';
import { TEST_API_KEY, TEST_CLIENT } from '../test/support/config';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import globalSetup from '../test/support/global-setup';
import { type ServiceInstance, startInstance } from '../test/support/service-instances';
import {
  BASE_BLOCK_GAS_LIMIT,
  blockFill,
  blockTimeline,
  calibrateBatchGas,
  type Ceiling,
  ceilingOf,
  CONTRACT_MAX_BATCH,
  freshRecipient,
  insertQueuedMints,
  measuredGasPerMint,
  statusCounts,
} from './support/chain-ceiling';
import { profileOnSignalOptions } from './support/cpu-profile-on-signal';
import { formatMachine, machineInfo } from './support/machine';
import { fmt, summarize, table } from './support/stats';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('='))) as Record<
  string,
  string | undefined
>;
const COUNT = Number(args.count ?? 4000);
const CONCURRENCY = Number(args.concurrency ?? 100);
const BLOCK_TIME = Number(args['block-time'] ?? 2);
const GAS_LIMIT = BigInt(args['gas-limit'] ?? BASE_BLOCK_GAS_LIMIT);
// 100,000 mints are ~19 s of the chain at its ceiling: long enough that the first send's and
// the last confirmation's latency (~5-8 s together) do not decide the figure, as they did
// for 20,000 (3.8 s of chain).
const BATCHED_COUNT = Number(args['batched-count'] ?? 100_000);
const QUEUED = Number(args.queued ?? 100_000);
const BARE_IN_FLIGHT = Number(args['bare-in-flight'] ?? 256);
const PHASES = (args.phases ?? 'bare,unbatched,batched,queued').split(',');
const PROFILE_DIR = args.profile;
const INSTANCE_LOG = args['instance-log'];
/** `--compiled`: the instances run the build the image runs; set once in main(). */
let build: CompiledBuild | undefined;
const BULK_ITEMS = 1_000;
const BULK_IN_FLIGHT = 4;

interface PhaseResult {
  name: string;
  mints: number;
  seconds: number;
  mintsPerSecond: number;
  onChainPerSecond?: number;
  latencyMs?: { p50: number; p99: number };
  gasPerMint?: number;
}

/** No phase may run longer than this: a send lost on the way must fail the run, not hang it. */
const PHASE_DEADLINE_MS = 10 * 60_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + PHASE_DEADLINE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await delay(100);
  }
}

/** `items` run by `workers` loops, each taking the next index: a bounded number in flight. */
async function bounded(items: number, workers: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, items) }, async () => {
      for (let i = next++; i < items; i = next++) await work(i);
    }),
  );
}

const minedCount = async (chain: TestChain) =>
  BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'latest' }));

async function bareViem(chain: TestChain): Promise<PhaseResult> {
  // A script as anyone would write it: viem's defaults, a bounded number of sends in flight
  // (thousands at once make anvil answer "fetch failed"), and a timeout long enough for a
  // queue of sends at anvil on 2 shared cores.
  const wallet = createWalletClient({
    account: privateKeyToAccount(chain.backendPrivateKey),
    chain: chainFromId(chain.chainId, chain.rpcUrl),
    transport: http(chain.rpcUrl, { timeout: 60_000 }),
  });
  const first = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
  const started = performance.now();
  await bounded(COUNT, BARE_IN_FLIGHT, async (i) => {
    await wallet.writeContract({
      address: chain.contractAddress,
      abi: havenAbi,
      functionName: 'mint',
      args: [freshRecipient(), parseUnits('1', 18), 'bench'],
      nonce: Number(first) + i,
    });
  });
  await waitUntil('the bare script’s mints', async () => (await minedCount(chain)) >= first + BigInt(COUNT));
  const seconds = (performance.now() - started) / 1000;
  return { name: `bare viem script (${BARE_IN_FLIGHT} in flight)`, mints: COUNT, seconds, mintsPerSecond: COUNT / seconds };
}

/** Two instances on a fresh database and Redis prefix; stopped and dropped after `work`. */
async function withInstances<T>(
  chain: TestChain,
  batchSize: number,
  work: (instances: ServiceInstance[], database: TestDatabase) => Promise<T>,
): Promise<T> {
  const database = await createTestDatabase();
  const shared = { databaseUrl: database.url, chain, redisKeyPrefix: `haven-bench:${randomUUID()}:` };
  const extra: Record<string, string> = { BATCH_MINT_MAX_SIZE: String(batchSize), LOG_LEVEL: args['log-level'] ?? 'error' };
  if (PROFILE_DIR !== undefined && batchSize > 1)
    Object.assign(extra, { NODE_OPTIONS: profileOnSignalOptions(), CPU_PROFILE_DIR: PROFILE_DIR });
  const start = () => (build === undefined ? startInstance(shared, extra) : startSoakInstance(shared, extra, build));
  const instances = await Promise.all([start(), start()]);
  try {
    return await work(instances, database);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    // What the instances printed (LOG_LEVEL=error: their failures), for a run that went wrong.
    if (INSTANCE_LOG !== undefined) await writeFile(INSTANCE_LOG, instances.map((instance) => instance.process.output()).join('\n=====\n'));
    await database.drop();
  }
}

/** Starts, then stops and writes, the instances' CPU profiles (`--profile`): the measured load only. */
function toggleProfiles(instances: ServiceInstance[]): void {
  if (PROFILE_DIR !== undefined) for (const instance of instances) instance.process.child.kill('SIGUSR2');
}

/**
 * Waits until no request is left unsettled (all are stored before this is called), then
 * checks that all `total` are confirmed; seconds from `started`. The poll asks whether any
 * row is unsettled, which the status index answers at once, and not how many are confirmed:
 * that count reads every confirmed row, and ten times a second it cost PostgreSQL a third of
 * a core, taken from the service being measured.
 */
async function untilConfirmed(database: TestDatabase, total: number, started: number): Promise<number> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    await waitUntil('every request settled', async () => {
      const { rows } = await client.query<{ unsettled: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM transactions WHERE status IN ('queued', 'signed', 'submitted', 'mined', 'reorged')) AS unsettled`,
      );
      return !rows[0].unsettled;
    });
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM transactions WHERE status = 'confirmed'`);
    if (rows[0].count !== total)
      throw new Error(`${rows[0].count} of ${total} requests confirmed: ${JSON.stringify(await statusCounts(database.url))}`);
    return seconds;
  } finally {
    await client.end();
  }
}

/**
 * Mints per second of chain time: the mints over the blocks from the first to the last one
 * holding any (× block time). How fast the service fed the chain once it was sending, without
 * the first send's and the last confirmation's latency that the end-to-end figure includes.
 */
async function onChainRate(database: TestDatabase, mints: number): Promise<{ rate: number; fill: Awaited<ReturnType<typeof blockFill>> }> {
  const fill = await blockFill(database.url);
  console.log(
    `  blocks ${fill.span} (${fill.blocks} holding mints), mints per block median ${fill.medianMints}, max ${fill.maxMints} ` +
      `(max ${fill.maxTransactions} transactions in one block)`,
  );
  return { rate: mints / (fill.span * BLOCK_TIME), fill };
}

const mintItem = (i: number, prefix: string) => ({
  userId: `user-${i}`,
  to: freshRecipient(),
  amount: '1',
  reason: 'bench',
  idempotencyKey: `${prefix}-${i}`,
});

async function postSingles(instances: ServiceInstance[], count: number, prefix: string, latencies: number[]): Promise<void> {
  await bounded(count, CONCURRENCY, async (i) => {
    const { idempotencyKey, ...body } = mintItem(i, prefix);
    const sent = performance.now();
    const response = await fetch(`${instances[i % 2].url}/api/v1/token/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
    latencies.push(performance.now() - sent);
    if (response.status !== 202) throw new Error(`mint answered ${response.status}: ${await response.text()}`);
  });
}

async function postBulk(instances: ServiceInstance[], count: number, prefix: string, latencies: number[]): Promise<void> {
  // Bodies built before the clock runs, so the load generator spends the measured time sending.
  const bodies = Array.from({ length: Math.ceil(count / BULK_ITEMS) }, (_, b) =>
    Array.from({ length: Math.min(BULK_ITEMS, count - b * BULK_ITEMS) }, (_, j) => mintItem(b * BULK_ITEMS + j, prefix)),
  );
  await bounded(bodies.length, BULK_IN_FLIGHT, async (b) => {
    const items = bodies[b];
    const sent = performance.now();
    const response = await fetch(`${instances[b % 2].url}/api/v1/token/mint/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
      body: JSON.stringify({ items }),
    });
    latencies.push(performance.now() - sent);
    const answer = (await response.json()) as { accepted?: number };
    if (response.status !== 202 || answer.accepted !== items.length)
      throw new Error(`bulk mint answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  });
}

/** Whether the service answers the bulk route (a 400 for an empty batch) rather than 404. */
async function hasBulkIntake(instance: ServiceInstance): Promise<boolean> {
  const response = await fetch(`${instance.url}/api/v1/token/mint/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
    body: JSON.stringify({ items: [] }),
  });
  return response.status === 400;
}

function throughRest(chain: TestChain, batchSize: number): Promise<PhaseResult> {
  return withInstances(chain, batchSize, async (instances, database) => {
    const bulk = batchSize > 1 && (await hasBulkIntake(instances[0]));
    const count = batchSize > 1 && bulk ? BATCHED_COUNT : COUNT;
    const latencies: number[] = [];
    if (batchSize > 1) toggleProfiles(instances);
    const started = performance.now();
    const startedAt = new Date();
    await (bulk ? postBulk : postSingles)(instances, count, `bench-${batchSize}`, latencies);
    const seconds = await untilConfirmed(database, count, started);
    const { rate } = await onChainRate(database, count);
    if (batchSize > 1) toggleProfiles(instances);
    if ('timeline' in args && batchSize > 1)
      for (const line of await blockTimeline(chain, database.url, startedAt, 'the first POST')) console.log(`  ${line}`);
    const summary = summarize(latencies);
    const intake = bulk ? `bulk intake ${BULK_ITEMS}/request` : 'single POSTs';
    return {
      name: `REST, 2 instances, ${batchSize === 1 ? 'unbatched' : `batchMint ≤ ${batchSize}`}, ${intake}`,
      mints: count,
      seconds,
      mintsPerSecond: count / seconds,
      onChainPerSecond: rate,
      latencyMs: { p50: summary.p50, p99: summary.p99 },
      gasPerMint: batchSize > 1 ? (await measuredGasPerMint(database.url))?.gasPerMint : undefined,
    };
  });
}

function queueFull(chain: TestChain): Promise<PhaseResult> {
  return withInstances(chain, CONTRACT_MAX_BATCH, async (instances, database) => {
    toggleProfiles(instances);
    const started = performance.now();
    await insertQueuedMints(database.url, QUEUED, TEST_CLIENT, chain.chainId);
    const stored = performance.now();
    const storedAt = new Date();
    const seconds = await untilConfirmed(database, QUEUED, stored);
    toggleProfiles(instances);
    const { rate } = await onChainRate(database, QUEUED);
    if ('timeline' in args) for (const line of await blockTimeline(chain, database.url, storedAt, 'the INSERT')) console.log(`  ${line}`);
    return {
      name: `pipeline, 2 instances, batchMint ≤ ${CONTRACT_MAX_BATCH}, ${QUEUED} pre-stored (INSERT ${fmt((stored - started) / 1000, 2)} s)`,
      mints: QUEUED,
      seconds,
      mintsPerSecond: QUEUED / seconds,
      onChainPerSecond: rate,
      gasPerMint: (await measuredGasPerMint(database.url))?.gasPerMint,
    };
  });
}

const PHASE_RUNNERS: Record<string, (chain: TestChain) => Promise<PhaseResult>> = {
  bare: bareViem,
  unbatched: (chain) => throughRest(chain, 1),
  batched: (chain) => throughRest(chain, CONTRACT_MAX_BATCH),
  queued: queueFull,
};

function printSummary(results: PhaseResult[], ceiling: Ceiling): void {
  const bare = results.find((result) => result.name.startsWith('bare'));
  console.log(
    '\n' +
      table(
        ['side', 'mints', 'mints/s', 'per chain time', 'vs bare viem', 'of ceiling', 'seconds', 'POST p50 ms', 'POST p99 ms', 'gas/mint'],
        results.map((result) => [
          result.name,
          fmt(result.mints),
          fmt(result.mintsPerSecond, 1),
          result.onChainPerSecond === undefined ? '-' : fmt(result.onChainPerSecond, 1),
          bare ? `${fmt((100 * result.mintsPerSecond) / bare.mintsPerSecond, 1)}%` : '-',
          `${fmt((100 * result.mintsPerSecond) / ceiling.mintsPerSecond, 1)}%`,
          fmt(result.seconds, 2),
          result.latencyMs ? fmt(result.latencyMs.p50, 1) : '-',
          result.latencyMs ? fmt(result.latencyMs.p99, 1) : '-',
          result.gasPerMint === undefined ? '-' : fmt(result.gasPerMint, 0),
        ]),
      ),
  );
  const unbatched = results.find((result) => result.name.includes('unbatched'));
  if (bare && unbatched) {
    const share = unbatched.mintsPerSecond / bare.mintsPerSecond;
    console.log(`\ntarget: unbatched >= 80% of bare viem: ${fmt(share * 100, 1)}% -> ${share >= 0.8 ? 'MET' : 'NOT MET'}`);
  }
  for (const result of results.filter((r) => r.name.includes('batchMint'))) {
    const share = result.mintsPerSecond / ceiling.mintsPerSecond;
    const onChain =
      result.onChainPerSecond === undefined ? '' : `; per chain time ${fmt((100 * result.onChainPerSecond) / ceiling.mintsPerSecond, 1)}%`;
    console.log(
      `target: batched >= 80% of the chain ceiling (${result.name}): end to end ${fmt(share * 100, 1)}% -> ${share >= 0.8 ? 'MET' : 'NOT MET'}${onChain}`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`bench:mint: confirmed mints/s, 2 service instances vs a bare viem script vs the chain's ceiling`);
  console.log(formatMachine(await machineInfo()));
  console.log(
    `chain: anvil --block-time ${BLOCK_TIME} --gas-limit ${GAS_LIMIT} (Base's block gas limit by default; --gas-limit=N changes it)`,
  );
  console.log(`load: ${fmt(COUNT)} mints for bare/unbatched, ${fmt(BATCHED_COUNT)} batched (bulk intake), ${fmt(QUEUED)} pre-stored\n`);
  await globalSetup();
  build = 'compiled' in args ? compileService() : undefined;
  console.log(
    `instances: ${build === undefined ? "npm start's command (swc compiles in the process)" : 'compiled build, node dist/src/main.js'}\n`,
  );
  const chain = await startTestChain({ blockTime: BLOCK_TIME, gasLimit: GAS_LIMIT });
  try {
    const gasPerBatch = await calibrateBatchGas(chain);
    const ceiling = ceilingOf(GAS_LIMIT, gasPerBatch, CONTRACT_MAX_BATCH, BLOCK_TIME);
    console.log(
      `gas per batched mint: ${fmt(ceiling.gasPerMint, 0)} (batchMint of ${CONTRACT_MAX_BATCH} fresh recipients: ${fmt(gasPerBatch)} gas)\n` +
        `chain ceiling: ${GAS_LIMIT} gas ÷ ${fmt(ceiling.gasPerMint, 0)} gas/mint ÷ ${BLOCK_TIME} s = ${fmt(ceiling.mintsPerSecond, 0)} mints/s ` +
        `(${fmt(ceiling.wholeBatchesPerSecond, 0)} counting whole batchMint transactions per block)\n`,
    );
    const results: PhaseResult[] = [];
    for (const phase of PHASES) {
      const result = await PHASE_RUNNERS[phase](chain);
      console.log(
        `${result.name}: ${fmt(result.mintsPerSecond, 1)} mints/s (${fmt(result.seconds, 2)} s)` +
          (result.onChainPerSecond === undefined ? '' : `, ${fmt(result.onChainPerSecond, 1)} per chain time`),
      );
      results.push(result);
    }
    printSummary(results, ceiling);
  } finally {
    await chain.stop();
    build?.remove();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
