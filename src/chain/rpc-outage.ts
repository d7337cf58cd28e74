import { HttpRequestError, LimitExceededRpcError, TimeoutError } from 'viem';

/** HTTP statuses that say the node (or the gateway in front of it) is not serving us. */
const OUTAGE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Whether a JSON-RPC failure means the node is unavailable, the only kind of failure the
 * `blockchain` breaker counts. A node that answers with an error (a revert, "nonce too low",
 * bad parameters) is up and doing its job; counting those would let one bad request
 * pattern take every mint offline.
 */
export function isRpcOutage(error: unknown): boolean {
  if (error instanceof TimeoutError || error instanceof LimitExceededRpcError) return true;
  if (error instanceof HttpRequestError) return error.status === undefined || OUTAGE_STATUSES.has(error.status);
  // Below viem's typed errors: a socket reset or refused connection surfacing raw.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/.test(code);
}
