/**
 * bench:intake's printed summary: a table per phase (baseline and ours side by side), the
 * targets, and the correctness line. Throughput of a side is the median of its rounds;
 * latencies are pooled over its rounds (nearest-rank percentiles).
 */
import type { RoundResult } from './intake-round';
import { type ServerTimingSummary, STALL_MS } from './server-timing-on-signal';
import { concat, fmt, median, summarize, table } from './stats';

export interface Sides {
  baseline: RoundResult[];
  ours: RoundResult[];
}

export const SINGLE_TARGET = 0.5;
export const P99_TARGET_MS = 50;

export const ms = (value: number): string => fmt(value, 1);
/** Requests per second: a decimal where batches of 1,000 make the figure small. */
export const perSecond = (value: number): string => fmt(value, value < 100 ? 1 : 0);
export const medianRps = (rounds: readonly RoundResult[]): number => median(rounds.map((r) => r.requestsPerSecond));

const HEADERS = ['side', 'req/s (median)', 'items/s', 'vs baseline', 'p50 ms', 'p99 ms', 'server CPU ms/item', 'requests', 'rows = 202s'];

function sideRow(name: string, rounds: readonly RoundResult[], baselineRps: number, itemsPerRequest: number): string[] {
  const latency = summarize(concat(rounds.map((r) => r.latenciesMs)));
  const rps = medianRps(rounds);
  return [
    name,
    perSecond(rps),
    fmt(rps * itemsPerRequest, 0),
    `${fmt((100 * rps) / baselineRps, 1)}%`,
    ms(latency.p50),
    ms(latency.p99),
    fmt(median(rounds.map((r) => r.cpuMsPerItem)), 3),
    fmt(rounds.reduce((n, r) => n + r.requests, 0)),
    rounds.every((r) => r.ok) ? 'yes' : 'NO',
  ];
}

/** A closed-loop phase: `itemsPerRequest` 1 for single intake, the batch size for bulk. */
export function sidesTable(baselineName: string, sides: Sides, itemsPerRequest: number): string {
  const baselineRps = medianRps(sides.baseline);
  return table(HEADERS, [
    sideRow(baselineName, sides.baseline, baselineRps, itemsPerRequest),
    sideRow('ours', sides.ours, baselineRps, itemsPerRequest),
  ]);
}

export function openLoopTable(rate: number, results: readonly RoundResult[]): string {
  return table(
    ['side', 'offered req/s', 'p50 ms', 'p99 ms', 'max ms', 'requests', 'rows = 202s'],
    results.map((r) => {
      const latency = summarize(r.latenciesMs);
      return [r.side, fmt(rate), ms(latency.p50), ms(latency.p99), ms(latency.max), fmt(r.requests), r.ok ? 'yes' : 'NO'];
    }),
  );
}

/**
 * The two lines the issue asks for: share of the baseline, and p99 at half our maximum.
 * `atHalfOurMax`: the open loop ran at half our median rate, the rate the p99 target names.
 */
export function targetLines(single: Sides, openOurs: RoundResult, atHalfOurMax = true): string[] {
  const share = medianRps(single.ours) / medianRps(single.baseline);
  const p99 = summarize(openOurs.latenciesMs).p99;
  const verdict = atHalfOurMax ? (p99 < P99_TARGET_MS ? 'MET' : 'NOT MET') : 'not judged (--open-rate)';
  return [
    `target: single intake >= ${SINGLE_TARGET * 100}% of the baseline's req/s: ${fmt(share * 100, 1)}% -> ${share >= SINGLE_TARGET ? 'MET' : 'NOT MET'}`,
    `target: p99 < ${P99_TARGET_MS} ms at half our max rate: ${ms(p99)} ms -> ${verdict}`,
  ];
}

/** What our server saw of a round (--server-timing): one line, printed under the round. */
export function serverTimingText(timing: ServerTimingSummary): string {
  return (
    `inside our server (request start to response finish, ${timing.requests} requests): p50 ${ms(timing.p50)} ms, p99 ${ms(timing.p99)} ms, ` +
    `max ${ms(timing.max)} ms; event loop stalled > ${STALL_MS} ms ${timing.stalls}x (longest ${ms(timing.longestStall)} ms); ` +
    `GC: ${timing.scavenges} scavenges (${ms(timing.scavengeMs)} ms), ${timing.markCompacts} mark-compacts (longest ${ms(timing.longestMarkCompact)} ms)`
  );
}
