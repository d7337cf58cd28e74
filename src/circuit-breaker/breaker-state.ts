/** The three states of a breaker, spelled as `/health` and the admin API report them. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** Successful probes that close a half-open breaker. */
  successThreshold: number;
  /** How long an open breaker refuses calls before it lets a probe through. */
  openTimeoutMs: number;
}

/** What every instance knows about one breaker; the shared copy lives in Redis. */
export interface BreakerSnapshot {
  state: BreakerState;
  /** Failures since the breaker last closed. */
  failureCount: number;
  /** Successful probes since the breaker went half-open. */
  successCount: number;
  /** Epoch milliseconds of the last opening; null while closed. */
  openedAt: number | null;
  /** Bumped by every write, so a late message cannot overwrite a newer state. */
  version: number;
}

export const CLOSED: BreakerSnapshot = Object.freeze({ state: 'closed', failureCount: 0, successCount: 0, openedAt: null, version: 0 });

/**
 * The state machine, as pure functions of (snapshot, settings, now). The Redis store runs
 * the same rules in Lua (`redis-breaker.store.ts`); this copy serves a single instance
 * without Redis and every instance while Redis is unreachable.
 */
export const transitions = {
  failure(current: BreakerSnapshot, settings: BreakerSettings, now: number): BreakerSnapshot {
    const failureCount = current.failureCount + 1;
    if (current.state === 'half_open' || (current.state === 'closed' && failureCount >= settings.failureThreshold)) {
      return { state: 'open', failureCount, successCount: 0, openedAt: now, version: current.version };
    }
    return { ...current, failureCount };
  },

  success(current: BreakerSnapshot, settings: BreakerSettings): BreakerSnapshot {
    if (current.state === 'half_open') {
      const successCount = current.successCount + 1;
      return successCount >= settings.successThreshold ? { ...CLOSED, version: current.version } : { ...current, successCount };
    }
    // A straggler that started before the breaker opened proves little; only probes close it.
    if (current.state === 'open') return current;
    return current.failureCount === 0 ? current : { ...CLOSED, version: current.version };
  },

  /** An open breaker whose timeout has passed turns half-open, ready for probes. */
  expire(current: BreakerSnapshot, settings: BreakerSettings, now: number): BreakerSnapshot {
    if (current.state === 'open' && current.openedAt !== null && now >= current.openedAt + settings.openTimeoutMs) {
      return { ...current, state: 'half_open', successCount: 0 };
    }
    return current;
  },
};
