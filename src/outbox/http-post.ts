import { type DeliveryOutcome, outcomeOfStatus } from './delivery-outcome';

/** A receiver slower than this is treated as down for this attempt; the delivery is retried. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * POSTs a JSON body and classifies the answer. Never throws: a refused connection, a reset or
 * a timeout is a `retry`. The reason names the failure, never the URL: webhook URLs carry
 * their receivers' keys (Slack's is the URL itself).
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs: number = DELIVERY_TIMEOUT_MS,
): Promise<DeliveryOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'haven-token-backend', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    // The body is not needed; reading it frees the connection for reuse.
    await response.arrayBuffer().catch(() => undefined);
    return outcomeOfStatus(response.status, response.headers.get('retry-after'));
  } catch (error) {
    const name = (error as Error).name === 'TimeoutError' ? 'timed out' : networkReason(error);
    return { kind: 'retry', reason: name };
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `network error ${cause.code}` : 'network error';
}
