/**
 * What one delivery attempt came to. `retry`: try again later (the receiver may take it then);
 * `final`: it never will (a 4xx other than 408/429, as PagerDuty and Slack document), so
 * retrying would only repeat the refusal.
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; status?: number }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'final'; reason: string; status?: number };

/** Classifies an HTTP answer by its status. */
export function outcomeOfStatus(status: number, retryAfter: string | null): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const reason = `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500)
    return { kind: 'retry', reason, status, retryAfterMs: parseRetryAfter(retryAfter) };
  return { kind: 'final', reason, status };
}

/** `Retry-After` in seconds or as an HTTP date; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
