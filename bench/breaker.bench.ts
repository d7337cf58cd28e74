/**
 * bench:breaker: the cost of a call through a CLOSED circuit breaker, ours next to a bare
 * call and to the two maintained libraries (cockatiel, opossum) wrapping the same call, in
 * one run.
 *
 *   node -r @swc-node/register bench/breaker.bench.ts [--calls=1000000] [--rounds=5] [--warmup=200000]
 *   Redis: BENCH_REDIS_URL, else REDIS_URL, else redis://127.0.0.1:6379 (loopback only).
 *
 * Why closed: it is the state every chain call is in almost all the time, so its cost is paid
 * on every read, estimate, send and receipt. The claim under test is that our breaker's
 * closed path is local (one comparison, no Redis round trip) even though its state is shared
 * through Redis, so it costs about what a purely in-process library costs.
 *
 * Method
 * - The call: `async () => 1`, so the figure is the wrapper's overhead, not I/O.
 * - Contenders, each awaited one call at a time in one process:
 *   - `bare`: `await call()`;
 *   - `ours`: `CircuitBreaker.execute` built as production builds it with Redis
 *     (`FallbackBreakerStore(RedisBreakerStore(redis))`, 5 failures / 2 successes / 30 s);
 *   - `cockatiel`: `circuitBreaker(handleAll, { halfOpenAfter: 30 s, breaker: new
 *     ConsecutiveBreaker(5) }).execute(call)`;
 *   - `opossum`: `new CircuitBreaker(call, { timeout: false, resetTimeout: 30 s }).fire()`;
 *     opossum's default arms a timeout timer per call, which is not a breaker's cost: it is
 *     off here, and measured as a separate row (`opossum+timeout`) for reference.
 * - Warm-up: `warmup` calls per contender (JIT), not measured.
 * - Rounds: every round runs each contender once, in a rotated order so no contender always
 *   runs first or last; a round times `calls` calls with process.hrtime. A contender's figure
 *   is the median ns/call over rounds; overhead = its ns/call minus bare's.
 * - Check: Redis commands sent by our breaker during its measured calls (INFO commandstats
 *   total, before and after, with nothing else of ours on that connection): must be 0. The
 *   process exits 1 otherwise.
 * - Target (issue #4): our overhead within 2x of the fastest library's overhead.
 */
import Redis from 'ioredis';
import OpossumBreaker from 'opossum';

import { CircuitBreaker } from '../src/circuit-breaker/circuit-breaker';
import { FallbackBreakerStore } from '../src/circuit-breaker/fallback-breaker.store';
import { RedisBreakerStore } from '../src/circuit-breaker/redis-breaker.store';
import { assertLoopback, formatMachine, machineInfo } from './support/machine';
import { fmt, median, table } from './support/stats';

// cockatiel 4 is published as ES modules only; Node 20 loads it through require(esm).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would be compiled to the same require, untyped
const cockatiel = require('cockatiel') as typeof import('cockatiel');

interface Options {
  url: string;
  calls: number;
  rounds: number;
  warmup: number;
}

type Contender = { name: string; run: () => Promise<unknown> };

function parseOptions(): Options {
  const flag = (name: string, fallback: number) => {
    const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
    return raw === undefined ? fallback : Number(raw);
  };
  return {
    url: process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    calls: flag('calls', 1_000_000),
    rounds: flag('rounds', 5),
    warmup: flag('warmup', 200_000),
  };
}

const call = async (): Promise<number> => 1;

async function timeCalls(run: () => Promise<unknown>, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  return Number(process.hrtime.bigint() - started) / calls;
}

async function totalCommands(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  let total = 0;
  for (const match of stats.matchAll(/calls=(\d+)/g)) total += Number(match[1]);
  return total;
}

async function main(): Promise<void> {
  const options = parseOptions();
  assertLoopback(options.url);
  const prefix = `haven-bench:${process.pid}:`;
  const redis = new Redis(options.url, { keyPrefix: prefix });
  const observer = new Redis(options.url);
  try {
    console.log('bench:breaker: ns per call through a CLOSED breaker, wrapping `async () => 1`\n');
    console.log(formatMachine(await machineInfo(observer)));
    console.log(`method:  ${options.calls.toLocaleString('en-US')} sequential awaited calls per round, ${options.rounds} rounds, median\n`);

    const settings = { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 };
    const store = new FallbackBreakerStore(new RedisBreakerStore(redis));
    const ours = new CircuitBreaker('bench', settings, store, () => true, { transition() {}, rejection() {} });
    const cockatielPolicy = cockatiel.circuitBreaker(cockatiel.handleAll, {
      halfOpenAfter: settings.openTimeoutMs,
      breaker: new cockatiel.ConsecutiveBreaker(settings.failureThreshold),
    });
    const opossum = new OpossumBreaker(call, { timeout: false, resetTimeout: settings.openTimeoutMs });
    const opossumTimed = new OpossumBreaker(call, { resetTimeout: settings.openTimeoutMs });

    const contenders: Contender[] = [
      { name: 'bare', run: call },
      { name: 'ours', run: () => ours.execute(call) },
      { name: 'cockatiel', run: () => cockatielPolicy.execute(call) },
      { name: 'opossum', run: () => opossum.fire() },
      { name: 'opossum+timeout', run: () => opossumTimed.fire() },
    ];
    for (const contender of contenders) await timeCalls(contender.run, options.warmup);

    const samples = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
    let oursCommands = 0;
    for (let round = 0; round < options.rounds; round++) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
      for (const contender of order) {
        const before = contender.name === 'ours' ? await totalCommands(observer) : 0;
        samples.get(contender.name)!.push(await timeCalls(contender.run, options.calls));
        // The INFO call itself is one command on the observer connection.
        if (contender.name === 'ours') oursCommands += (await totalCommands(observer)) - before - 1;
      }
    }
    opossum.shutdown();
    opossumTimed.shutdown();

    const nsPerCall = new Map([...samples].map(([name, values]) => [name, median(values)]));
    const bare = nsPerCall.get('bare')!;
    const overhead = (name: string) => nsPerCall.get(name)! - bare;
    console.log(
      table(
        ['contender', 'ns/call', 'calls/s', 'overhead ns', 'rounds (ns/call)'],
        contenders.map(({ name }) => [
          name,
          fmt(nsPerCall.get(name)!, 1),
          fmt(1e9 / nsPerCall.get(name)!),
          name === 'bare' ? '-' : fmt(overhead(name), 1),
          samples
            .get(name)!
            .map((value) => value.toFixed(0))
            .join(' '),
        ]),
      ),
    );

    const fastestLibrary = ['cockatiel', 'opossum'].reduce((best, name) => (overhead(name) < overhead(best) ? name : best));
    const ratio = overhead('ours') / overhead(fastestLibrary);
    console.log(
      `\nRedis commands sent by ours while closed: ${oursCommands} (over ${(options.calls * options.rounds).toLocaleString('en-US')} calls)`,
    );
    console.log(
      `closed-state overhead, ours vs fastest library (${fastestLibrary}): ${ratio.toFixed(2)}x (target <= 2x: ${ratio <= 2 ? 'met' : 'NOT met'})`,
    );
    if (oursCommands !== 0) {
      console.error('FAIL: the closed path must not touch Redis');
      process.exitCode = 1;
    }
  } finally {
    await removeKeys(redis, prefix);
    redis.disconnect();
    observer.disconnect();
  }
}

/** Removes this run's keys (none are expected: a closed breaker with no failure writes nothing). */
async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  // KEYS answers full names; the connection would prefix them again, so strip the prefix.
  if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
