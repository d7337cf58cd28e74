import type { BreakerSettings, BreakerSnapshot, BreakerState } from './breaker-state';

/** The breaker's state after an operation, and the state it had before it. */
export interface BreakerUpdate {
  snapshot: BreakerSnapshot;
  previous: BreakerState;
}

export interface ProbeTicket extends BreakerUpdate {
  /** True when the caller may make the call: closed, or it holds the half-open probe. */
  granted: boolean;
}

/**
 * Where breaker state lives. Every operation is one atomic transition, so two instances
 * recording failures at once count both, and exactly one of them sees the trip.
 */
export interface BreakerStateStore {
  failure(name: string, settings: BreakerSettings): Promise<BreakerUpdate>;
  success(name: string, settings: BreakerSettings): Promise<BreakerUpdate>;
  /** Asks to call through a breaker that is not closed: expires an open one, takes the probe. */
  probe(name: string, settings: BreakerSettings): Promise<ProbeTicket>;
  reset(name: string): Promise<BreakerUpdate>;
  /**
   * The store answered with a state older than `known`, one this instance saw (Redis restarted
   * empty, or a fallback ran ahead of it). Numbers the stored state past `known` so every
   * instance follows it again, and reports `known.state` as its previous state: the one
   * instance whose call does this announces the move (say open to closed), which would
   * otherwise pass unrecorded. If another instance got there first, nothing moves.
   */
  restore(name: string, known: BreakerSnapshot): Promise<BreakerUpdate>;
  load(names: readonly string[]): Promise<Map<string, BreakerSnapshot>>;
  /** Calls `listener` with every state another instance (or this one) publishes. */
  watch(listener: (name: string, snapshot: BreakerSnapshot) => void): Promise<void>;
  close(): Promise<void>;
}

/** A half-open probe holds its slot at most this long, so a prober that died frees it. */
export const PROBE_TTL_MS = 15_000;
