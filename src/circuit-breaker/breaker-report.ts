import type { BreakerState } from './breaker-state';
import type { BreakerStatus } from './circuit-breaker.registry';

/** One breaker as `/health` and the admin API show it. */
export interface BreakerReport {
  state: BreakerState;
  failure_count: number;
  success_count: number;
  opened_at: string | null;
  /** When an open breaker lets the next probe through. */
  retry_at: string | null;
  failure_threshold: number;
  success_threshold: number;
  timeout_seconds: number;
}

export function breakerReport({ snapshot, settings, retryAt }: BreakerStatus): BreakerReport {
  return {
    state: snapshot.state,
    failure_count: snapshot.failureCount,
    success_count: snapshot.successCount,
    opened_at: snapshot.openedAt === null ? null : new Date(snapshot.openedAt).toISOString(),
    retry_at: retryAt?.toISOString() ?? null,
    failure_threshold: settings.failureThreshold,
    success_threshold: settings.successThreshold,
    timeout_seconds: settings.openTimeoutMs / 1000,
  };
}
