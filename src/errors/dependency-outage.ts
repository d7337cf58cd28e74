/**
 * Socket-level failures of any dependency (PostgreSQL, Redis): it is not serving us now.
 * Same set the `blockchain` breaker counts as an RPC outage.
 */
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/;
/**
 * PostgreSQL's SQLSTATEs for "no server to talk to": class 08 (connection exception) and
 * 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now, as during a restart).
 */
const POSTGRES_UNAVAILABLE = /^(08\w{3}|57P0[123])$/;
/** node-postgres reports a server gone mid-query, and a pool with no connection to give, without a code. */
const POSTGRES_UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  driverError?: unknown;
}

/**
 * Whether a request failed because a dependency is briefly unavailable rather than because
 * of anything in the request: such a request may succeed as sent a moment later, so it is
 * answered 503 with Retry-After, never 500. Looks through TypeORM's `driverError` and causes.
 */
export function isDependencyOutage(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, driverError } = error as ErrorLike;
  if (typeof code === 'string' && (NETWORK_CODES.test(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
  if (typeof message === 'string' && POSTGRES_UNAVAILABLE_MESSAGES.test(message)) return true;
  return isDependencyOutage(driverError, depth + 1) || isDependencyOutage(cause, depth + 1);
}
