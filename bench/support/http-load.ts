/**
 * bench:intake's load generator, run as a forked process (`runWorkers` with this file): POSTs
 * mint requests over keep-alive `node:http` connections to one server, then reports.
 *
 * - `closed`: `connections` loops, each sending its next request when the previous answered,
 *   for `durationMs` (maximum throughput; latency is one request's round trip).
 * - `open`: requests start on a fixed schedule, `rate` per second, whether or not earlier ones
 *   have answered; latency runs from the scheduled start, so a stalled server shows in it
 *   (no coordinated omission).
 * Before `ready`, a closed-loop warm-up of `warmupMs` (connections opened, JIT warm on both
 * ends). Each request has unique idempotency keys; a batch request carries `batchSize` items.
 * Every answer other than 202, and every batch item not accepted, is counted as a failure.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

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

const address = () => `0x${randomBytes(20).toString('hex')}`;

function requestFor(options: LoadOptions, key: string): { path: string; headers: Record<string, string>; body: string } {
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

function post(
  agent: Agent,
  url: URL,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function worker(options: LoadOptions) {
  const url = new URL(options.url);
  // Idle sockets are closed here before the server's keep-alive timeout (Node's default, 5 s)
  // closes them: otherwise a request sent just as the server closes its socket fails with a reset.
  const agent = new Agent({ keepAlive: true, maxSockets: options.mode === 'closed' ? options.connections : 4096, timeout: 4000 });
  let sequence = 0;
  let storedItems = 0;
  let failures = 0;
  let firstFailure: string | undefined;

  /** One request; answers whether it was fully accepted. */
  async function send(tag: string): Promise<void> {
    const { path, headers, body } = requestFor(options, `${options.keyPrefix}${tag}${sequence++}`);
    try {
      const { status, text } = await post(agent, url, path, headers, body);
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
          const sent = performance.now();
          await send(tag);
          latencies.push(performance.now() - sent);
        }
      }),
    );
  }

  async function openLoop(latencies: number[]): Promise<void> {
    const start = performance.now();
    const total = Math.round((options.rate * options.durationMs) / 1000);
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total;) {
      const due = start + (i * 1000) / options.rate;
      const now = performance.now();
      if (due > now) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - now - 0.5)));
        continue;
      }
      for (; i < total && start + (i * 1000) / options.rate <= performance.now(); i++) {
        const scheduled = start + (i * 1000) / options.rate;
        inFlight.push(send('o').then(() => void latencies.push(performance.now() - scheduled)));
      }
    }
    await Promise.all(inFlight);
  }

  return async () => {
    await closedLoop('w', options.warmupMs, []);
    return async (): Promise<LoadResult> => {
      const latencies: number[] = [];
      const start = performance.timeOrigin + performance.now();
      await (options.mode === 'closed' ? closedLoop('m', options.durationMs, latencies) : openLoop(latencies));
      const end = performance.timeOrigin + performance.now();
      agent.destroy();
      return { start, end, requests: latencies.length, latenciesMs: Float64Array.from(latencies), storedItems, failures, firstFailure };
    };
  };
}

if (require.main === module) serveWorker(worker(JSON.parse(process.argv[2]) as LoadOptions));
