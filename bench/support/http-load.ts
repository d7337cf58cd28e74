/**
 * bench:intake's load generator, run as a forked process (`runWorkers` with this file): POSTs
 * mint requests over a fixed pool of keep-alive connections (undici's `Pool`) to one server,
 * then reports.
 *
 * - `closed`: `connections` loops, each sending its next request when the previous answered,
 *   for `durationMs` (maximum throughput; latency is one request's round trip).
 * - `open`: requests start on a fixed schedule, `rate` per second, whether or not earlier ones
 *   have answered; latency runs from the scheduled start, so a stalled server shows in it
 *   (no coordinated omission). At most `connections` are in flight; a request due while all
 *   are busy waits in the pool, and that wait is part of its latency, as in wrk2. No connection
 *   is opened during the measured part: opening them while the server stalls measured the
 *   load process's and the kernel's connection set-up more than the server.
 * Before `ready`, a closed-loop warm-up of `warmupMs` (every connection opened, JIT warm on both
 * ends); the open loop's request bodies are built then too, so that the load process spends
 * as little CPU as it can while it measures: it shares the machine with the server.
 * Each request has unique idempotency keys; a batch request carries `batchSize` items. Every
 * answer other than 202, and every batch item not accepted, is counted as a failure.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { Pool } from 'undici';

import { serveWorker } from './workers';

export interface LoadOptions {
  url: string;
  apiKey: string;
  mode: 'closed' | 'open';
  connections: number;
  /** Requests per second, `open` only. */
  rate: number;
  durationMs: number;
  warmupMs: number;
  /** 0: single `POST /api/v1/token/mint`; otherwise items per `POST /api/v1/token/mint/batch`. */
  batchSize: number;
  keyPrefix: string;
}

export interface LoadResult {
  /** Measured part only: performance.timeOrigin-based wall clock, ms. */
  start: number;
  end: number;
  requests: number;
  latenciesMs: Float64Array;
  /** Items stored (202s for single, `accepted` for batches), warm-up included: the row check. */
  storedItems: number;
  failures: number;
  firstFailure?: string;
}

/** Random addresses, cut from one buffer of random bytes instead of a `randomBytes` call each. */
function addresses(): () => string {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + 20 > pool.length) [pool, offset] = [randomBytes(20 * 4096), 0];
    offset += 20;
    return `0x${pool.toString('hex', offset - 20, offset)}`;
  };
}

interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

function requestFor(options: LoadOptions, key: string, address: () => string): PreparedRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': options.apiKey };
  if (options.batchSize === 0) {
    headers['idempotency-key'] = key;
    const body = JSON.stringify({ userId: `u-${key}`, to: address(), amount: '1', reason: 'bench' });
    return { path: '/api/v1/token/mint', headers, body };
  }
  const items = Array.from({ length: options.batchSize }, (_, i) => ({
    idempotencyKey: `${key}.${i}`,
    userId: `u-${key}.${i}`,
    to: address(),
    amount: '1',
    reason: 'bench',
  }));
  return { path: '/api/v1/token/mint/batch', headers, body: JSON.stringify({ items }) };
}

function worker(options: LoadOptions) {
  // Every connection is opened in the warm-up and kept: `keepAliveTimeout` under the server's
  // (Node's default, 5 s) so a connection is never reused just as the server closes it.
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1, keepAliveTimeout: 4_000 });
  const address = addresses();
  let sequence = 0;
  let storedItems = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const next = (tag: string) => requestFor(options, `${options.keyPrefix}${tag}${sequence++}`, address);

  /** One request; counts what it stored, and any failure. */
  async function send({ path, headers, body }: PreparedRequest): Promise<void> {
    try {
      const response = await pool.request({ path, method: 'POST', headers, body });
      const text = await response.body.text();
      const status = response.statusCode;
      const accepted = status !== 202 ? 0 : options.batchSize === 0 ? 1 : (JSON.parse(text) as { accepted: number }).accepted;
      storedItems += accepted;
      if (accepted !== Math.max(1, options.batchSize)) throw new Error(`${status} ${text.slice(0, 300)}`);
    } catch (error) {
      failures++;
      firstFailure ??= error instanceof Error ? error.message : String(error);
    }
  }

  async function closedLoop(tag: string, durationMs: number, latencies: number[]): Promise<void> {
    const end = performance.now() + durationMs;
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < end) {
          const request = next(tag);
          const sent = performance.now();
          await send(request);
          latencies.push(performance.now() - sent);
        }
      }),
    );
  }

  async function openLoop(requests: PreparedRequest[], latencies: number[]): Promise<void> {
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < requests.length;) {
      const due = start + (i * 1000) / options.rate;
      const now = performance.now();
      if (due > now) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - now - 0.5)));
        continue;
      }
      for (; i < requests.length && start + (i * 1000) / options.rate <= performance.now(); i++) {
        const scheduled = start + (i * 1000) / options.rate;
        inFlight.push(send(requests[i]).then(() => void latencies.push(performance.now() - scheduled)));
      }
    }
    await Promise.all(inFlight);
  }

  return async () => {
    await closedLoop('w', options.warmupMs, []);
    const prepared =
      options.mode === 'open' ? Array.from({ length: Math.round((options.rate * options.durationMs) / 1000) }, () => next('o')) : [];
    return async (): Promise<LoadResult> => {
      const latencies: number[] = [];
      const start = performance.timeOrigin + performance.now();
      await (options.mode === 'closed' ? closedLoop('m', options.durationMs, latencies) : openLoop(prepared, latencies));
      const end = performance.timeOrigin + performance.now();
      await pool.destroy();
      return { start, end, requests: latencies.length, latenciesMs: Float64Array.from(latencies), storedItems, failures, firstFailure };
    };
  };
}

if (require.main === module) serveWorker(worker(JSON.parse(process.argv[2]) as LoadOptions));
