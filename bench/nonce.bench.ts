/**
 * bench:nonce: nonce reservations per second through `RedisNonceStore.reserve`, next to a
 * raw Redis `INCR` on one key at the same concurrency, in one run.
 *
 *   node -r @swc-node/register bench/nonce.bench.ts [--count=50000] [--procs=4]
 *        [--concurrency=64] [--rounds=3] [--warmup=5000] [--auto-pipelining]
 *   Redis: BENCH_REDIS_URL, else REDIS_URL, else redis://127.0.0.1:6379 (loopback only).
 *
 * What is measured: the store's `reserve` (concurrent calls for a wallet coalesced into one
 * EVALSHA of the RESERVE_MANY script per event-loop turn), which
 * is the hot path of `NonceManager.reserve`. The manager itself is not measured: around the
 * store call it only adds a chain read on a wallet's first use, which needs a chain.
 *
 * Method
 * - Sides: `incr` (raw `INCR` on one key; nonce = reply - 1) and `ours`
 *   (`RedisNonceStore.reserve` on one wallet whose counter the parent set to 0 with
 *   `raiseFloor`). Both use identical ioredis connection options, those of
 *   src/redis/redis.module.ts (no auto-pipelining), or both with `enableAutoPipelining` under
 *   --auto-pipelining.
 * - Each side runs as `procs` forked processes (this file, role `worker`), each with its own
 *   connection and `concurrency` async callers looping until the process has made `count`
 *   calls. Each caller awaits its call before the next: 4 x 64 = 256 calls in flight.
 * - Warm-up: each process first makes `warmup` calls of the same kind on a separate key
 *   (connects, loads the script, warms the JIT), then waits; the parent starts all processes
 *   together once every one is ready.
 * - Rounds alternate incr, ours, incr, ours, ... (`rounds` of each), each round on fresh keys
 *   with fresh processes. Throughput of a round = calls of all processes / (last process end -
 *   first process start), wall clock. A side's ops/s is the median of its rounds (the machine
 *   is shared: a round disturbed by another process should not move the figure); latencies
 *   (one await of one call, in microseconds, queueing in the client included) are pooled over
 *   its rounds, nearest-rank percentiles.
 * - Also printed, as a diagnostic: CPU time per call of the client processes (process.cpuUsage
 *   over the measured load) and of the Redis server (INFO cpu, difference over the round; it
 *   counts any other client of that server too). On 2 cores the clients and Redis share the
 *   CPU, so throughput is bounded by about 2 s / (client + redis CPU per call).
 * - Check, every round: the nonces reported by all processes are unique and contiguous
 *   (count = total, max - min + 1 = total, min = the floor) and the counter left in Redis is
 *   floor + total. The process exits 1 if any check fails; the 75% target only is reported.
 * - Bounded: each round is killed past 120 s; keys live under `haven-bench:<pid>:` and are
 *   deleted at the end, on failure too.
 */
import { performance } from 'node:perf_hooks';

import Redis, { type RedisOptions } from 'ioredis';

import { RedisNonceStore } from '../src/nonce/redis-nonce.store';
import { assertLoopback, formatMachine, machineInfo } from './support/machine';
import { concat, fmt, median, summarize, table } from './support/stats';
import { runWorkers, serveWorker } from './support/workers';

type Side = 'incr' | 'ours';

interface Options {
  url: string;
  count: number;
  procs: number;
  concurrency: number;
  rounds: number;
  warmup: number;
  autoPipelining: boolean;
  prefix: string;
}

interface WorkerResult {
  start: number;
  end: number;
  nonces: Float64Array;
  latenciesUs: Float64Array;
  /** CPU time (user + system) this process spent during the measured load. */
  cpuUs: number;
}

const TARGET = 0.75;
const FLOOR = 0;
const ROUND_TIMEOUT_MS = 120_000;

function connectionOptions(options: Options): RedisOptions {
  // The production connection (src/redis/redis.module.ts), for both sides alike.
  return {
    keyPrefix: options.prefix,
    connectionName: 'haven-bench',
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    lazyConnect: false,
    enableAutoPipelining: options.autoPipelining,
  };
}

function parseOptions(argv: string[]): Options {
  const flag = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const num = (name: string, fallback: number) => {
    const raw = flag(name)?.split('=')[1];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
    return value;
  };
  return {
    url: process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    count: num('count', 50_000),
    procs: num('procs', 4),
    concurrency: num('concurrency', 64),
    rounds: num('rounds', 3),
    warmup: num('warmup', 5_000),
    autoPipelining: flag('auto-pipelining') !== undefined,
    prefix: flag('prefix')?.split('=')[1] ?? `haven-bench:${process.pid}:`,
  };
}

/** Every key of a round: the INCR key, or the wallet (the store derives its keys). */
const roundKey = (round: number, suffix = '') => `round${round}${suffix}`;

// ---------------------------------------------------------------------------------------
// Worker: one process of one side of one round.

function worker(side: Side, round: number, options: Options): void {
  serveWorker<WorkerResult>(async () => {
    const redis = new Redis(options.url, connectionOptions(options));
    const store = new RedisNonceStore(redis);
    const call =
      side === 'incr'
        ? async (key: string) => (await redis.incr(key)) - 1
        : async (wallet: string) => {
            const nonce = await store.reserve(wallet);
            if (nonce === null) throw new Error(`wallet ${wallet} has no counter`);
            return Number(nonce);
          };

    const load = async (key: string, count: number, record?: { nonces: Float64Array; latenciesUs: Float64Array }) => {
      let next = 0;
      const caller = async () => {
        for (let i = next++; i < count; i = next++) {
          const t0 = performance.now();
          const nonce = await call(key);
          if (record) {
            record.latenciesUs[i] = (performance.now() - t0) * 1000;
            record.nonces[i] = nonce;
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, caller));
    };

    // Warm-up on its own key; raiseFloor is raise-only, so every process may initialise it.
    const warmKey = roundKey(round, ':warmup');
    if (side === 'ours') await store.raiseFloor(warmKey, 0n);
    await load(warmKey, options.warmup);

    return async () => {
      const record = { nonces: new Float64Array(options.count), latenciesUs: new Float64Array(options.count) };
      const cpu = process.cpuUsage();
      const start = performance.timeOrigin + performance.now();
      await load(roundKey(round), options.count, record);
      const end = performance.timeOrigin + performance.now();
      const used = process.cpuUsage(cpu);
      await redis.quit();
      return { start, end, cpuUs: used.user + used.system, ...record };
    };
  });
}

// ---------------------------------------------------------------------------------------
// Parent: orchestrates the rounds, checks, prints.

interface RoundOutcome {
  side: Side;
  round: number;
  opsPerSec: number;
  seconds: number;
  latenciesUs: Float64Array;
  total: number;
  /** CPU microseconds per call: all client processes, and the Redis server (all its clients). */
  clientCpuUsPerOp: number;
  redisCpuUsPerOp: number;
  check: string | null; // null = passed, else what failed
}

/** Unique and contiguous from `floor`: `null` if so, else a description of the failure. */
function checkNonces(parts: Float64Array[], floor: number, total: number): string | null {
  const seen = new Uint8Array(total);
  let count = 0;
  let duplicates = 0;
  let outside = 0;
  for (const part of parts) {
    for (const nonce of part) {
      count++;
      const index = nonce - floor;
      if (!Number.isInteger(index) || index < 0 || index >= total) outside++;
      else if (seen[index]++) duplicates++;
    }
  }
  const holes = total - seen.reduce((n, v) => n + (v ? 1 : 0), 0);
  if (count === total && duplicates === 0 && outside === 0 && holes === 0) return null;
  return `count ${count}/${total}, duplicates ${duplicates}, outside [${floor}, ${floor + total - 1}] ${outside}, holes ${holes}`;
}

async function runRound(side: Side, round: number, options: Options, redis: Redis, store: RedisNonceStore): Promise<RoundOutcome> {
  const key = roundKey(round);
  if (side === 'ours') await store.raiseFloor(key, BigInt(FLOOR));
  else await redis.set(key, String(FLOOR));

  const redisCpuBefore = await redisCpuSeconds(redis);
  const results = await runWorkers<WorkerResult>({
    file: __filename,
    count: options.procs,
    args: () => ['worker', side, String(round), ...process.argv.slice(2).filter((a) => a.startsWith('--')), `--prefix=${options.prefix}`],
    timeoutMs: ROUND_TIMEOUT_MS,
  });

  const redisCpu = (await redisCpuSeconds(redis)) - redisCpuBefore;
  const total = options.procs * options.count;
  const seconds = (Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start))) / 1000;
  let check = checkNonces(
    results.map((r) => r.nonces),
    FLOOR,
    total,
  );
  const counter = side === 'ours' ? (await store.snapshot(key)).next : BigInt((await redis.get(key)) ?? -1);
  if (check === null && counter !== BigInt(FLOOR + total)) check = `counter left at ${counter}, expected ${FLOOR + total}`;
  return {
    side,
    round,
    opsPerSec: total / seconds,
    seconds,
    latenciesUs: concat(results.map((r) => r.latenciesUs)),
    total,
    clientCpuUsPerOp: results.reduce((sum, r) => sum + r.cpuUs, 0) / total,
    redisCpuUsPerOp: (redisCpu * 1e6) / total,
    check,
  };
}

/** CPU seconds the Redis server has used (INFO cpu); the round's share is a difference. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const cpu = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  assertLoopback(options.url);
  const redis = new Redis(options.url, connectionOptions(options));
  const store = new RedisNonceStore(redis);
  const outcomes: RoundOutcome[] = [];
  try {
    console.log('bench:nonce: RedisNonceStore.reserve (coalesced: one EVALSHA per event-loop turn) vs raw INCR, loopback Redis');
    console.log(formatMachine(await machineInfo(redis)));
    console.log(
      `load:    ${options.procs} processes x ${options.concurrency} concurrent callers, ${fmt(options.count)} calls per ` +
        `process per round (${fmt(options.procs * options.count)}), warm-up ${fmt(options.warmup)} per process, ` +
        `${options.rounds} rounds per side alternating; ioredis enableAutoPipelining=${options.autoPipelining} on both sides\n`,
    );

    for (let round = 0; round < options.rounds * 2; round++) {
      const side: Side = round % 2 === 0 ? 'incr' : 'ours';
      const outcome = await runRound(side, round, options, redis, store);
      outcomes.push(outcome);
      const lat = summarize(outcome.latenciesUs);
      console.log(
        `round ${round + 1}/${options.rounds * 2} ${side.padEnd(4)}  ${fmt(outcome.opsPerSec).padStart(7)} ops/s  ` +
          `${outcome.seconds.toFixed(2)} s  p50 ${fmt(lat.p50)} us  p99 ${fmt(lat.p99)} us  ` +
          `cpu/call: clients ${outcome.clientCpuUsPerOp.toFixed(1)} us, redis ${outcome.redisCpuUsPerOp.toFixed(1)} us  ` +
          `check: ${outcome.check === null ? 'ok' : `FAILED (${outcome.check})`}`,
      );
    }
  } finally {
    await deleteKeys(redis, options.prefix);
    await redis.quit();
  }

  const sides = (['incr', 'ours'] as const).map((side) => {
    const rounds = outcomes.filter((o) => o.side === side);
    return {
      side,
      opsPerSec: median(rounds.map((o) => o.opsPerSec)),
      perRound: rounds.map((o) => fmt(o.opsPerSec)).join(' / '),
      lat: summarize(concat(rounds.map((o) => o.latenciesUs))),
      total: rounds.reduce((sum, o) => sum + o.total, 0),
      failures: rounds.filter((o) => o.check !== null).length,
      clientCpu: rounds.reduce((sum, o) => sum + o.clientCpuUsPerOp, 0) / rounds.length,
      redisCpu: rounds.reduce((sum, o) => sum + o.redisCpuUsPerOp, 0) / rounds.length,
    };
  });
  const [incr, ours] = sides;
  const ratio = ours.opsPerSec / incr.opsPerSec;
  const label = { incr: 'raw INCR (baseline)', ours: 'RedisNonceStore.reserve' };

  console.log('');
  console.log(
    table(
      ['side', 'ops/s (median)', 'per round', 'vs INCR', 'p50 us', 'p99 us', 'cpu us/call client+redis', 'calls', 'unique + contiguous'],
      sides.map((s) => [
        label[s.side],
        fmt(s.opsPerSec),
        s.perRound,
        `${((s.opsPerSec / incr.opsPerSec) * 100).toFixed(1)}%`,
        fmt(s.lat.p50),
        fmt(s.lat.p99),
        `${s.clientCpu.toFixed(1)} + ${s.redisCpu.toFixed(1)}`,
        fmt(s.total),
        s.failures === 0 ? 'yes' : `NO (${s.failures} rounds)`,
      ]),
    ),
  );
  console.log(`\ntarget: ours >= ${TARGET * 100}% of raw INCR: ${(ratio * 100).toFixed(1)}% -> ${ratio >= TARGET ? 'MET' : 'NOT MET'}`);
  const failed = sides.some((s) => s.failures > 0);
  console.log(`uniqueness/contiguity: ${failed ? 'FAILED' : 'every nonce unique, every set contiguous'}`);
  return failed ? 1 : 0;
}

/** Deletes every key under this run's prefix (SCAN on an unprefixed connection). */
async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const raw = redis.duplicate({ keyPrefix: '' });
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await raw.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length) await raw.del(...keys);
    } while (cursor !== '0');
  } finally {
    await raw.quit();
  }
}

if (process.argv[2] === 'worker') {
  worker(process.argv[3] as Side, Number(process.argv[4]), parseOptions(process.argv.slice(5)));
} else {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
