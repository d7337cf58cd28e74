import type { ClientStats } from './client';
import type { DeliveryFindings } from './delivery-check';
import type { Outstanding } from './drain';
import type { FaultRecord } from './faults';
import type { LedgerFindings } from './ledger-check';
import type { LoadLedger } from './load-ledger';
import type { NonceFindings } from './nonce-check';
import type { SoakOptions } from './options';
import type { SlotMemory } from './sampler';

export interface CampaignResults {
  options: SoakOptions;
  bulk: boolean;
  wallMs: number;
  loadMs: number;
  /** When the load started (ms since the epoch): fault times are relative to it. */
  loadStartedAt: number;
  faults: FaultRecord[];
  load: LoadLedger;
  client: ClientStats;
  owed: Outstanding;
  ledger: LedgerFindings;
  nonces: NonceFindings;
  deliveries: DeliveryFindings;
  breakerTransitions: Record<string, Record<string, number>>;
  /** Breakers not closed at the end, as an instance reports them. */
  breakersOpen: string[];
  memory: Map<number, SlotMemory>;
}

const RSS_LIMIT_MB = 256;
const SUCCESS_FLOOR = 0.99;

const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value)} ms`);

/** The printed summary, and the violations that fail the campaign (exit code 1). */
export function summarise(results: CampaignResults): { lines: string[]; violations: string[] } {
  const { load, ledger, nonces, deliveries, memory } = results;
  const mintsConfirmed = ledger.byStatus['mint confirmed'] ?? 0;
  const burnsConfirmed = ledger.byStatus['burn confirmed'] ?? 0;
  const failed = Object.values(ledger.failedBy).reduce((sum, count) => sum + count, 0);
  const rejected = Object.values(load.rejected).reduce((sum, count) => sum + count, 0);
  const attempted = load.sent.mint + load.sent.burn;
  const successRate = attempted === 0 ? 0 : (mintsConfirmed + burnsConfirmed) / attempted;
  const lines = [
    `HAVEN soak (${results.options.mode}), seed ${results.options.seed} (replay: npm run soak --${results.options.mode === 'quick' ? ' --quick' : ''}${results.options.compiled ? ' --compiled' : ''} --seed=${results.options.seed})`,
    `instances: ${results.options.compiled ? 'compiled build (node dist/src/main.js)' : 'npm start (swc at run time)'}; wall time ${(results.wallMs / 1000).toFixed(0)} s, load ${(results.loadMs / 1000).toFixed(0)} s; bulk route ${results.bulk ? 'used' : 'absent: single mints only'}`,
    'faults:',
    ...results.faults.map(
      (fault) =>
        `  ${fault.startedAt.toFixed(0).padStart(4)} s → ${fault.endedAt?.toFixed(0) ?? '?'} s  ${fault.name}: ${fault.detail}${fault.error ? ` FAILED TO INJECT: ${fault.error}` : ''}` +
        `\n         client retries from its start to 15 s after its end: ${JSON.stringify(retriesDuring(results, fault))}`,
    ),
    `sent: ${load.sent.mint} mints (${load.sent.bulkRequests} bulk requests), ${load.sent.burn} redeems; unanswered ${load.unanswered.mint + load.unanswered.burn}`,
    `accepted: ${load.accepted.size}; rejected at intake: ${rejected} ${JSON.stringify(load.rejected)}`,
    `retries by cause: ${JSON.stringify(results.client.retries)}`,
    `stored by status: ${JSON.stringify(ledger.byStatus)}`,
    `confirmed: ${mintsConfirmed} mints, ${burnsConfirmed} redeems; failed: ${failed} ${JSON.stringify(ledger.failedBy)}`,
    `success rate: ${(successRate * 100).toFixed(2)} % of requests sent`,
    `lost: ${ledger.lost.length}; minted/burned twice (events no request accounts for): ${ledger.extraEvents.length}; idempotency keys answered twice: ${load.keyConflicts.length}`,
    `supply: ${ledger.supply.text}`,
    `nonces: ${nonces.used} used (${nonces.fillers} fillers), gaps ${nonces.gaps.length}, duplicates ${nonces.duplicates.length}`,
    `alerts: ${deliveries.alerts} raised ${JSON.stringify(deliveries.alertsByCategory)}`,
    ...deliveries.notable.map((line) => `  ! ${line}`),
    ...(['email', 'webhook'] as const).map((name) => `  ${name}: ${channelLine(deliveries.channels[name])}`),
    `  test alerts during outages: ${results.faults.length > 0 ? deliveries.testAlertsUndelivered.length : 0} undelivered`,
    `callbacks: ${channelLine(deliveries.callbacks)}; confirmed without a delivered confirmed callback: ${deliveries.confirmedWithoutCallback}`,
    `breakers: ${breakerLine(results.breakerTransitions)}; open at the end: ${results.breakersOpen.join(', ') || 'none'}`,
    `accept latency p50/p99: single ${ms(percentile(load.latencies.single, 50))}/${ms(percentile(load.latencies.single, 99))}, ` +
      `bulk ${ms(percentile(load.latencies.bulk, 50))}/${ms(percentile(load.latencies.bulk, 99))}, ` +
      `redeem ${ms(percentile(load.latencies.redeem, 50))}/${ms(percentile(load.latencies.redeem, 99))}`,
    `confirmed mints/s: ${ledger.confirmedMintsPerSecond.toFixed(2)} (first accept to last confirmation)`,
    ...[...memory.entries()]
      .sort(([a], [b]) => a - b)
      .map(
        ([index, slot]) =>
          `instance ${index} RSS: first ${slot.samplesMb[0]?.toFixed(0)} MB, peak ${slot.peakMb.toFixed(0)} MB, final ${slot.finalMb.toFixed(0)} MB (${slot.samplesMb.length} samples)`,
      ),
    `owed at the drain deadline: ${JSON.stringify(results.owed)}`,
  ];

  const violations: string[] = [];
  const add = (condition: boolean, message: string) => condition && violations.push(message);
  add(ledger.lost.length > 0, `lost: ${ledger.lost.slice(0, 5).join('; ')}`);
  add(ledger.extraEvents.length > 0, `double effects: ${ledger.extraEvents.slice(0, 5).join('; ')}`);
  add(!ledger.supply.agrees, `supply: ${ledger.supply.text}`);
  add(load.keyConflicts.length > 0, `idempotency keys with two transactions: ${load.keyConflicts.slice(0, 5).join(', ')}`);
  add(nonces.gaps.length > 0, `nonce gaps: ${nonces.gaps.slice(0, 5).join('; ')}`);
  add(nonces.duplicates.length > 0, `nonce duplicates: ${nonces.duplicates.slice(0, 5).join('\n      ')}`);
  for (const name of ['email', 'webhook'] as const) {
    const channel = deliveries.channels[name];
    add(channel.delivered !== channel.raised, `${name}: ${channel.raised - channel.delivered} alert deliveries not delivered`);
    add(channel.deliveredButNotReceived > 0, `${name}: ${channel.deliveredButNotReceived} marked delivered but never received`);
  }
  add(
    deliveries.testAlertsUndelivered.length > 0,
    `test alerts not delivered on every channel: ${deliveries.testAlertsUndelivered.join(', ')}`,
  );
  const callbacks = deliveries.callbacks;
  add(callbacks.delivered !== callbacks.raised, `callbacks: ${callbacks.raised - callbacks.delivered} not delivered`);
  add(callbacks.deliveredButNotReceived > 0, `callbacks: ${callbacks.deliveredButNotReceived} marked delivered but never received`);
  add(
    deliveries.confirmedWithoutCallback > 0,
    `${deliveries.confirmedWithoutCallback} confirmed requests without their confirmed callback`,
  );
  add(successRate <= SUCCESS_FLOOR, `success rate ${(successRate * 100).toFixed(2)} % is not above ${SUCCESS_FLOOR * 100} %`);
  add(results.breakersOpen.length > 0, `breakers left open: ${results.breakersOpen.join(', ')}`);
  // Judged by the full campaign only: a few minutes show no trend, and the quick gate in CI
  // fails on what #15 names for it (lost or duplicated mints, nonce conflicts, undelivered
  // alerts or callbacks), not on a peak a few MB either side of the line.
  if (results.options.mode === 'full')
    for (const [index, slot] of memory) add(slot.peakMb >= RSS_LIMIT_MB, `instance ${index} peaked at ${slot.peakMb.toFixed(0)} MB RSS`);
  add(load.crashes.length > 0, `load generator errors: ${load.crashes.slice(0, 3).join('; ')}`);
  add(
    results.faults.some((fault) => fault.error !== undefined),
    'a fault could not be injected',
  );
  return { lines, violations };
}

function retriesDuring(results: CampaignResults, fault: FaultRecord): Record<string, number> {
  const from = results.loadStartedAt + fault.startedAt * 1000;
  const to = results.loadStartedAt + (fault.endedAt ?? fault.startedAt) * 1000 + 15_000;
  const counts: Record<string, number> = {};
  for (const { at, reason } of results.client.timeline) if (at >= from && at <= to) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}

function channelLine(channel: { raised: number; delivered: number; pending: number; failed: number; received: number }): string {
  return `${channel.raised} sent, ${channel.delivered} delivered, ${channel.pending} pending, ${channel.failed} failed, ${channel.received} received`;
}

function breakerLine(transitions: Record<string, Record<string, number>>): string {
  const count = (moves: Record<string, number>, test: (move: string) => boolean) =>
    Object.entries(moves)
      .filter(([move]) => test(move))
      .reduce((sum, [, n]) => sum + n, 0);
  const parts = Object.entries(transitions)
    .map(([breaker, moves]) => {
      const trips = count(moves, (move) => move === 'closed->open');
      // A failed probe opens it again; it is still the same outage, waiting for its recovery.
      const reopened = count(moves, (move) => move === 'half_open->open');
      // A probe that succeeded, or a close without one (reset, or the state lost with Redis).
      const recoveries = count(moves, (move) => move.endsWith('->closed'));
      return trips + reopened + recoveries > 0
        ? `${breaker} ${trips} trips/${reopened} reopened after a failed probe/${recoveries} recoveries`
        : undefined;
    })
    .filter((part) => part !== undefined);
  return parts.join(', ') || 'no trips';
}
