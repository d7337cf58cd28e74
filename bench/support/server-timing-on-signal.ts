/**
 * bench:intake --server-timing: what our server itself saw, to set beside what the load
 * process saw. Preloaded into the service process like the profiler
 * (`cpu-profile-on-signal.ts`), and switched by the same SIGUSR2: the first starts a window,
 * the next ends it and writes `<SERVER_TIMING_DIR>/<pid>-<n>.json` with
 * - every request's start (wall clock, ms) and its time from the HTTP server's request start
 *   to its response's finish (Node's `http.server.*` diagnostics channels): time inside this
 *   process, not queued in the socket before it, nor in the load process;
 * - event-loop stalls: gaps over `STALL_MS` between the ticks of a 5 ms timer;
 * - every garbage collection: its start, its pause and its kind (scavenge, mark-compact,
 *   incremental marking step).
 * Times are wall-clock so the bench keeps only the load's measured part (`summarizeWindow`),
 * not its warm-up.
 */
import { subscribe } from 'node:diagnostics_channel';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';

import { summarize } from './stats';

/** An event-loop gap longer than this is counted as a stall (the timer ticks every 5 ms). */
export const STALL_MS = 10;
const TICK_MS = 5;

export interface ServerTimingWindow {
  /** Pairs: request start (wall clock, ms), time to `finish` (ms). */
  requests: number[];
  /** Pairs: stall start (wall clock, ms), length (ms). */
  stalls: number[];
  /** Triples: GC start (wall clock, ms), pause (ms), kind (`perf_hooks.constants.NODE_PERFORMANCE_GC_*`). */
  gcs: number[];
}

export interface ServerTimingSummary {
  requests: number;
  p50: number;
  p99: number;
  max: number;
  stalls: number;
  longestStall: number;
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  longestMarkCompact: number;
}

/** NODE_OPTIONS entries loading this file into a `node` process. */
export const serverTimingOnSignalOptions = (): string => `--require @swc-node/register --require ${__filename}`;

const wallClock = (monotonic: number) => performance.timeOrigin + monotonic;

function installServerTiming(dir: string): void {
  let window: ServerTimingWindow | undefined;
  let written = 0;
  let ticker: NodeJS.Timeout | undefined;

  // Node's own HTTP server channels: no patching of the server, and nothing when no window is open.
  const started = new WeakMap<object, number>();
  subscribe('http.server.request.start', (message) => {
    if (window !== undefined) started.set((message as { response: object }).response, performance.now());
  });
  subscribe('http.server.response.finish', (message) => {
    const start = started.get((message as { response: object }).response);
    if (window !== undefined && start !== undefined) window.requests.push(wallClock(start), performance.now() - start);
  });

  new PerformanceObserver((list) => {
    if (window === undefined) return;
    for (const entry of list.getEntries()) {
      const { detail } = entry as { detail?: { kind?: number } };
      window.gcs.push(wallClock(entry.startTime), entry.duration, detail?.kind ?? 0);
    }
  }).observe({ entryTypes: ['gc'] });

  process.on('SIGUSR2', () => {
    if (window === undefined) {
      const current: ServerTimingWindow = { requests: [], stalls: [], gcs: [] };
      window = current;
      let last = performance.now();
      ticker = setInterval(() => {
        const now = performance.now();
        if (now - last > STALL_MS) current.stalls.push(wallClock(last), now - last);
        last = now;
      }, TICK_MS);
      return;
    }
    clearInterval(ticker);
    // Written aside, then renamed: the bench reads the file as soon as it exists.
    const file = join(dir, `${process.pid}-${++written}.json`);
    writeFileSync(`${file}.partial`, JSON.stringify(window));
    renameSync(`${file}.partial`, file);
    window = undefined;
  });
}

/** The window `pid` wrote as its `n`th, waiting up to `timeoutMs` for the file. */
export async function readServerTiming(dir: string, pid: number, n: number, timeoutMs = 10_000): Promise<ServerTimingWindow> {
  const file = join(dir, `${pid}-${n}.json`);
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no server timing at ${file} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ServerTimingWindow;
}

/** The part of a window from `from` (wall clock, ms) on: the load's measured part. */
export function summarizeWindow(window: ServerTimingWindow, from: number): ServerTimingSummary {
  const durations: number[] = [];
  for (let i = 0; i < window.requests.length; i += 2) if (window.requests[i] >= from) durations.push(window.requests[i + 1]);
  const latency = summarize(durations);
  let stalls = 0;
  let longestStall = 0;
  for (let i = 0; i < window.stalls.length; i += 2) {
    if (window.stalls[i] < from) continue;
    stalls++;
    longestStall = Math.max(longestStall, window.stalls[i + 1]);
  }
  let scavenges = 0;
  let scavengeMs = 0;
  let markCompacts = 0;
  let longestMarkCompact = 0;
  for (let i = 0; i < window.gcs.length; i += 3) {
    if (window.gcs[i] < from) continue;
    if (window.gcs[i + 2] === constants.NODE_PERFORMANCE_GC_MINOR) {
      scavenges++;
      scavengeMs += window.gcs[i + 1];
    } else if (window.gcs[i + 2] === constants.NODE_PERFORMANCE_GC_MAJOR) {
      markCompacts++;
      longestMarkCompact = Math.max(longestMarkCompact, window.gcs[i + 1]);
    }
  }
  return {
    requests: durations.length,
    p50: latency.p50,
    p99: latency.p99,
    max: latency.max,
    stalls,
    longestStall,
    scavenges,
    scavengeMs,
    markCompacts,
    longestMarkCompact,
  };
}

if (process.env.SERVER_TIMING_DIR && require.main !== module) installServerTiming(process.env.SERVER_TIMING_DIR);
