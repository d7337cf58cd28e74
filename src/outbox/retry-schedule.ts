/** Backoff between delivery attempts: doubling from `baseMs`, capped at `maxMs`. */
export interface RetrySchedule {
  baseMs: number;
  maxMs: number;
}

/** Alerts and callbacks: 5 s, 10 s, 20 s … up to 10 minutes between attempts. */
export const DELIVERY_RETRY: RetrySchedule = { baseMs: 5_000, maxMs: 600_000 };

/**
 * How long to wait before attempt `attempt + 1`, after `attempt` failed ones: exponential with
 * "equal jitter" (half fixed, half random), so receivers coming back from an outage are not hit
 * by every instance's retries at once, yet no retry comes sooner than half its step.
 * A receiver's own `Retry-After` is honoured when it asks for longer.
 */
export function retryDelayMs(attempt: number, schedule: RetrySchedule, retryAfterMs?: number, random: () => number = Math.random): number {
  const step = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(step / 2 + random() * (step / 2));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? Math.min(retryAfterMs, schedule.maxMs) : jittered;
}
