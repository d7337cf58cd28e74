/**
 * bench:intake: accepted mint requests per second and POST latency on ONE service instance,
 * single (`POST /api/v1/token/mint`) and bulk (`POST /api/v1/token/mint/batch`), next to a bare
 * Node HTTP server doing the same validation-free INSERT into the same table, in one run.
 *
 *   node -r @swc-node/register bench/intake.bench.ts [--connections=64] [--bulk-connections=8]
 *        [--rounds=3] [--duration=8] [--warmup=2] [--open-duration=10] [--load-processes=1]
 *        [--log-level=warn] [--profile=DIR] [--server-timing] [--skip-bulk] [--bulk-only] [--open-rate=N] [--compiled]
 *
 * Method
 * - One PostgreSQL database cloned from the migrated template (dropped at the end), one Redis
 *   prefix (deleted at the end), an idle anvil the instance's configuration points at: all
 *   on loopback.
 * - Ours: one service process (`npm start`'s command; with `--compiled`, the build the image
 *   runs, `node dist/src/main.js`, without swc's compiler in the process) with PROCESS_ROLE=api,
 *   so it only takes requests and no pipeline work competes; DATABASE_POOL_SIZE=10; client rate
 *   limit raised.
 * - Baseline: `bench/support/bare-intake-server.ts` in its own process: `node:http`, a `pg`
 *   Pool of the same size, JSON.parse, one INSERT (a multi-row `unnest` INSERT for a batch)
 *   of the columns our intake writes, 202 with the new id.
 * - Load: `load-processes` forked processes (`bench/support/http-load.ts`), each a fixed pool
 *   of keep-alive connections (undici), unique idempotency keys. Each round warms up for `warmup` s, then runs
 *   closed-loop for `duration` s; rounds alternate baseline, ours. A side's req/s is the median
 *   of its rounds; latencies are pooled over rounds, nearest rank.
 * - Then open loop (fixed arrival rate) at half of our median single req/s, ours and the
 *   baseline, latency from each request's scheduled start, on the same connections: a request
 *   due while all are busy waits for one, and that wait counts. `--open-rate` fixes that rate
 *   instead, to compare two builds at one offered load (the target is judged at half our max).
 * - Bulk: the same closed-loop rounds with 100-item and 1,000-item batches on
 *   `bulk-connections` connections.
 * - Check, every round: every answer is 202 (every batch item accepted) and the table grew by
 *   exactly the items the 202s accepted. Exit 1 if any check fails.
 * - `--profile=DIR` profiles our instance during each of its rounds, open loop too (V8 CPU
 *   profiler started and stopped by SIGUSR2, `support/cpu-profile-on-signal.ts`): one
 *   `.cpuprofile` per round in DIR.
 * - `--server-timing` prints, under each round of ours, what our server itself saw of the
 *   round's measured part (`support/server-timing-on-signal.ts`): each request's time from
 *   the HTTP server's `request` event to `finish`, event-loop stalls and GC pauses. Beside
 *   the load's own latencies, it tells time spent in our process from time spent before it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import Redis from 'ioredis';

import { compileService, startSoakInstance } from '../test/soak/instance';
import { startTestChain } from '../test/support/chain';
import { TEST_API_KEY, TEST_REDIS_URL } from '../test/support/config';
import { createTestDatabase } from '../test/support/database';
import globalSetup from '../test/support/global-setup';
import { startBareIntakeServer } from './support/bare-intake-server';
import { profileOnSignalOptions } from './support/cpu-profile-on-signal';
import { medianRps, ms, openLoopTable, perSecond, serverTimingText, type Sides, sidesTable, targetLines } from './support/intake-report';
import { checkText, type RoundResult, runRound, type Target } from './support/intake-round';
import { assertLoopback, formatMachine, machineInfo } from './support/machine';
import { startNestFloorServer } from './support/nest-floor-server';
import { readServerTiming, serverTimingOnSignalOptions, summarizeWindow } from './support/server-timing-on-signal';
import { fmt, summarize } from './support/stats';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => [...arg.replace(/^--/, '').split('='), 'true'].slice(0, 2))) as Record<
  string,
  string | undefined
>;
const CONNECTIONS = Number(args.connections ?? 64);
const BULK_CONNECTIONS = Number(args['bulk-connections'] ?? 8);
const ROUNDS = Number(args.rounds ?? 3);
const DURATION_MS = Number(args.duration ?? 8) * 1000;
const WARMUP_MS = Number(args.warmup ?? 2) * 1000;
const OPEN_DURATION_MS = Number(args['open-duration'] ?? 10) * 1000;
const OPEN_RATE = args['open-rate'] === undefined ? undefined : Number(args['open-rate']);
const LOAD_PROCESSES = Number(args['load-processes'] ?? 1);
const PROFILE_DIR = args.profile === undefined ? undefined : resolve(args.profile);
const SERVER_TIMING_DIR = args['server-timing'] === undefined ? undefined : mkdtempSync(join(tmpdir(), 'haven-server-timing-'));
let serverTimingWindows = 0;
const POOL_SIZE = 10;
const BULK_SIZES = [100, 1000];

const runId = randomUUID().slice(0, 8);
let failed = false;

function measure(
  target: Target,
  mode: 'closed' | 'open',
  batchSize: number,
  tag: string,
  databaseUrl: string,
  rate = 0,
): Promise<RoundResult> {
  const connections = batchSize === 0 ? CONNECTIONS : BULK_CONNECTIONS;
  const durationMs = mode === 'closed' ? DURATION_MS : OPEN_DURATION_MS;
  const load = { apiKey: TEST_API_KEY, mode, connections, rate, durationMs, warmupMs: WARMUP_MS, batchSize };
  return runRound(target, { ...load, processes: LOAD_PROCESSES, keyPrefix: `${runId}-${tag}-` }, databaseUrl);
}

/**
 * `work`, with our instance profiled through it under --profile and timed from inside under
 * --server-timing (the baseline never is): both preloads switch on SIGUSR2.
 */
async function observedIfOurs(side: 'baseline' | 'ours', target: Target, work: () => Promise<RoundResult>): Promise<RoundResult> {
  const observed = side === 'ours' && (PROFILE_DIR !== undefined || SERVER_TIMING_DIR !== undefined);
  if (observed) process.kill(target.pid!, 'SIGUSR2');
  let result: RoundResult;
  try {
    result = await work();
  } finally {
    if (observed) process.kill(target.pid!, 'SIGUSR2');
  }
  if (!observed || SERVER_TIMING_DIR === undefined) return result;
  const window = await readServerTiming(SERVER_TIMING_DIR, target.pid!, ++serverTimingWindows);
  return { ...result, serverTiming: summarizeWindow(window, result.measuredFrom) };
}

/** The round's line, and under it what our server saw of it with --server-timing. */
function printRound(text: string, result: RoundResult): void {
  console.log(text);
  if (result.serverTiming !== undefined) console.log(`  ${serverTimingText(result.serverTiming)}`);
}

/** Closed-loop rounds alternating baseline, ours; ours is profiled round by round with --profile. */
async function alternate(
  label: string,
  targets: { baseline: Target; ours: Target },
  batchSize: number,
  databaseUrl: string,
): Promise<Sides> {
  const sides: Sides = { baseline: [], ours: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const side of ['baseline', 'ours'] as const) {
      const target = targets[side];
      const result = await observedIfOurs(side, target, () =>
        measure(target, 'closed', batchSize, `${side[0]}${batchSize}r${round}`, databaseUrl),
      );
      sides[side].push(result);
      failed ||= !result.ok;
      const latency = summarize(result.latenciesMs);
      printRound(
        `${label} round ${round} ${side}: ${perSecond(result.requestsPerSecond)} req/s, ${fmt(result.itemsPerSecond, 0)} items/s, ` +
          `p50 ${ms(latency.p50)} ms, p99 ${ms(latency.p99)} ms; ${checkText(result)}`,
        result,
      );
    }
  }
  return sides;
}

async function bulkAvailable(ours: Target): Promise<boolean> {
  const item = { idempotencyKey: `${runId}-probe`, userId: 'probe', to: `0x${'11'.repeat(20)}`, amount: '1', reason: 'bench' };
  const response = await fetch(`${ours.url}/api/v1/token/mint/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
    body: JSON.stringify({ items: [item] }),
  });
  return response.status === 202;
}

/**
 * `--floor`: a minimal NestJS + Fastify app (the mint route's DTO through a ValidationPipe, the same
 * INSERT, nothing else), closed loop like the single phase, so the run shows how much of the
 * distance to the baseline is the framework's and how much is the product's request path.
 */
async function frameworkFloor(floor: Target, baselineRps: number, oursRps: number, databaseUrl: string): Promise<string> {
  const rounds: RoundResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await measure(floor, 'closed', 0, `f0r${round}`, databaseUrl);
    failed ||= !result.ok;
    console.log(`single round ${round} floor: ${perSecond(result.requestsPerSecond)} req/s; ${checkText(result)}`);
    rounds.push(result);
  }
  const rps = medianRps(rounds);
  const latency = summarize(rounds.flatMap((round) => Array.from(round.latenciesMs)));
  return (
    `framework floor, single intake, closed loop, ${CONNECTIONS} connections (run after the rounds above, not alternated):\n` +
    `  NestJS + Fastify, the mint route's DTO through the ValidationPipe, the same INSERT, nothing else: ${perSecond(rps)} req/s = ${fmt((100 * rps) / baselineRps, 1)}% of the baseline ` +
    `(p50 ${ms(latency.p50)} ms, p99 ${ms(latency.p99)} ms); ours = ${fmt((100 * oursRps) / rps, 1)}% of the floor`
  );
}

async function phases(targets: { baseline: Target; ours: Target; floor?: Target }, databaseUrl: string): Promise<void> {
  const lines: string[] = [];
  const targetsMet: string[] = [];
  if (args['bulk-only'] === undefined) {
    const single = await alternate('single', targets, 0, databaseUrl);
    const rate = OPEN_RATE ?? Math.max(1, Math.round(medianRps(single.ours) / 2));
    const open = [];
    for (const side of ['ours', 'baseline'] as const)
      open.push(await observedIfOurs(side, targets[side], () => measure(targets[side], 'open', 0, `o${side[0]}`, databaseUrl, rate)));
    for (const result of open) {
      failed ||= !result.ok;
      const latency = summarize(result.latenciesMs);
      printRound(
        `open loop ${result.side} at ${fmt(rate)} req/s: p50 ${ms(latency.p50)} ms, p99 ${ms(latency.p99)} ms; ${checkText(result)}`,
        result,
      );
    }
    lines.push(`single intake, closed loop, ${CONNECTIONS} connections:\n${sidesTable('bare node:http + pg (baseline)', single, 1)}`);
    lines.push(
      `single intake, open loop at ${fmt(rate)} req/s (${OPEN_RATE === undefined ? 'half our max' : '--open-rate'}), ${OPEN_DURATION_MS / 1000} s:\n${openLoopTable(rate, open)}`,
    );
    if (open[0].serverTiming !== undefined) lines.push(`ours, ${serverTimingText(open[0].serverTiming)}`);
    targetsMet.push(...targetLines(single, open[0], OPEN_RATE === undefined));
    if (targets.floor !== undefined)
      lines.push(await frameworkFloor(targets.floor, medianRps(single.baseline), medianRps(single.ours), databaseUrl));
  }
  if (args['skip-bulk'] !== undefined || !(await bulkAvailable(targets.ours))) {
    const why = args['skip-bulk'] !== undefined ? '--skip-bulk' : 'POST /api/v1/token/mint/batch did not answer 202 to a one-item batch';
    lines.push(`bulk intake: SKIPPED (${why})`);
  } else {
    for (const size of BULK_SIZES) {
      const sides = await alternate(`bulk ${size}`, targets, size, databaseUrl);
      const heading = `bulk intake, ${fmt(size)}-item batches, closed loop, ${BULK_CONNECTIONS} connections:`;
      lines.push(`${heading}\n${sidesTable('bare node:http + pg, unnest (baseline)', sides, size)}`);
    }
  }
  for (const line of lines) console.log(`\n${line}`);
  console.log('');
  for (const line of targetsMet) console.log(line);
  console.log(
    `correctness: ${failed ? 'FAILED (see the rounds above)' : 'every answer 202, rows grew by exactly the items accepted, every round'}`,
  );
}

async function main(): Promise<void> {
  assertLoopback(TEST_REDIS_URL);
  const redis = new Redis(TEST_REDIS_URL);
  const redisKeyPrefix = `haven-bench:intake:${runId}:`;
  console.log('bench:intake: accepted mint requests/s and POST latency, one instance (PROCESS_ROLE=api) vs a bare node:http + pg server');
  console.log(formatMachine(await machineInfo(redis)));
  console.log(
    `load: ${LOAD_PROCESSES} load process(es), a fixed pool of keep-alive connections (undici); single: ${CONNECTIONS} connections; bulk: ${BULK_CONNECTIONS} connections; ` +
      `${ROUNDS} rounds per side of ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, alternating; pg pool ${POOL_SIZE} both sides\n`,
  );
  await globalSetup();
  const chain = await startTestChain();
  const database = await createTestDatabase();
  [chain.rpcUrl, database.url].forEach(assertLoopback);
  const extra: Record<string, string> = {
    PROCESS_ROLE: 'api',
    LOG_LEVEL: args['log-level'] ?? 'warn',
    DATABASE_POOL_SIZE: String(POOL_SIZE),
  };
  const preloads: string[] = [];
  if (PROFILE_DIR !== undefined) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    // --cpu-prof is refused in NODE_OPTIONS: a preload starts and stops the profiler on SIGUSR2.
    preloads.push(profileOnSignalOptions());
    extra.CPU_PROFILE_DIR = PROFILE_DIR;
  }
  if (SERVER_TIMING_DIR !== undefined) {
    preloads.push(serverTimingOnSignalOptions());
    extra.SERVER_TIMING_DIR = SERVER_TIMING_DIR;
  }
  if (preloads.length > 0) extra.NODE_OPTIONS = preloads.join(' ');
  const build = args.compiled === undefined ? undefined : compileService();
  const instance = await startSoakInstance({ databaseUrl: database.url, chain, redisKeyPrefix }, extra, build).catch((error: unknown) => {
    build?.remove();
    throw error;
  });
  console.log(
    `ours: ${build === undefined ? "npm start's command (swc compiles in the process)" : 'compiled build, node dist/src/main.js'}\n`,
  );
  const bare = await startBareIntakeServer({ databaseUrl: database.url, poolSize: POOL_SIZE, chainId: chain.chainId });
  const floor =
    args.floor === undefined
      ? undefined
      : await startNestFloorServer({ databaseUrl: database.url, poolSize: POOL_SIZE, chainId: chain.chainId });
  try {
    await phases(
      {
        baseline: { name: 'baseline', url: bare.url, pid: bare.child.pid },
        ours: { name: 'ours', url: instance.url, pid: instance.process.child.pid },
        ...(floor === undefined ? {} : { floor: { name: 'floor', url: floor.url, pid: floor.child.pid } }),
      },
      database.url,
    );
  } finally {
    await Promise.all([instance.stop(), bare.stop(), floor?.stop()]);
    build?.remove();
    await chain.stop();
    await database.drop();
    const keys = await redis.keys(`${redisKeyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if (SERVER_TIMING_DIR !== undefined) rmSync(SERVER_TIMING_DIR, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(failed ? 1 : 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
