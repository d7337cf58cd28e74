/**
 * bench:intake: one measured round against one server, with its correctness check.
 *
 * Forks the load processes (`http-load.ts`), and around them counts the rows of
 * `transactions` and the server process's CPU time. The check: no answer other than 202 (and
 * no batch item refused), and the table grew by exactly the number of items the 202s
 * accepted, warm-up included.
 */
import { join } from 'node:path';

import { withClient } from '../../test/support/database';
import type { LoadOptions, LoadResult } from './http-load';
import { processCpuMs } from './process-cpu';
import type { ServerTimingSummary } from './server-timing-on-signal';
import { concat } from './stats';
import { runWorkers } from './workers';

export interface Target {
  name: string;
  url: string;
  pid: number | undefined;
}

export interface RoundResult {
  side: string;
  /** Wall clock (ms) when the load's measured part began, after its warm-up. */
  measuredFrom: number;
  requestsPerSecond: number;
  itemsPerSecond: number;
  latenciesMs: Float64Array;
  requests: number;
  /** Server process CPU ms per item, warm-up included (a diagnostic). */
  cpuMsPerItem: number;
  storedItems: number;
  rowsAdded: number;
  failures: number;
  firstFailure?: string;
  ok: boolean;
  /** What our server saw of the measured part, with --server-timing. */
  serverTiming?: ServerTimingSummary;
}

const countRows = (databaseUrl: string) =>
  withClient(databaseUrl, async (client) => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions')).rows[0].n);

export async function runRound(
  target: Target,
  load: Omit<LoadOptions, 'url' | 'keyPrefix'> & { processes: number; keyPrefix: string },
  databaseUrl: string,
): Promise<RoundResult> {
  const rowsBefore = await countRows(databaseUrl);
  const cpuBefore = processCpuMs(target.pid);
  const results = await runWorkers<LoadResult>({
    file: join(__dirname, 'http-load.ts'),
    count: load.processes,
    args: (index) => [
      JSON.stringify({
        ...load,
        url: target.url,
        rate: load.rate / load.processes,
        keyPrefix: `${load.keyPrefix}p${index}-`,
      } satisfies LoadOptions),
    ],
    timeoutMs: load.warmupMs + load.durationMs + 120_000,
  });
  const cpuMs = processCpuMs(target.pid) - cpuBefore;
  const rowsAdded = (await countRows(databaseUrl)) - rowsBefore;

  const requests = results.reduce((n, r) => n + r.requests, 0);
  const seconds = (Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start))) / 1000;
  const storedItems = results.reduce((n, r) => n + r.storedItems, 0);
  const failures = results.reduce((n, r) => n + r.failures, 0);
  const itemsPerRequest = Math.max(1, load.batchSize);
  return {
    side: target.name,
    measuredFrom: Math.min(...results.map((r) => r.start)),
    requestsPerSecond: requests / seconds,
    itemsPerSecond: (requests * itemsPerRequest) / seconds,
    latenciesMs: concat(results.map((r) => r.latenciesMs)),
    requests,
    cpuMsPerItem: cpuMs / storedItems,
    storedItems,
    rowsAdded,
    failures,
    firstFailure: results.find((r) => r.firstFailure !== undefined)?.firstFailure,
    ok: failures === 0 && rowsAdded === storedItems,
  };
}

/** The check, as printed after each round. */
export function checkText(result: RoundResult): string {
  if (result.ok) return `rows +${result.rowsAdded} = items in 202s`;
  const rows = result.rowsAdded === result.storedItems ? '' : ` rows +${result.rowsAdded} != ${result.storedItems} items in 202s;`;
  const failed = result.failures ? ` ${result.failures} failed (first: ${result.firstFailure})` : '';
  return `FAILED:${rows}${failed}`;
}
