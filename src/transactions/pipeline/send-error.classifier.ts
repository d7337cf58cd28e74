import { findOpenBreaker } from '../../circuit-breaker/circuit-breaker.errors';
import { redactSecrets } from '../../common/redaction';

/**
 * What a node's answer to `eth_sendRawTransaction` means for the request behind it. Nodes
 * word these differently (geth, reth, anvil, Base's sequencer), so matching is by the
 * phrases they share; anything unrecognised is treated as "outcome unknown", never as
 * "not sent", because re-sending under a new nonce is how relayers mint twice.
 */
export type SendOutcome =
  /** Accepted now, or already in the node's pool: ours either way. */
  | 'accepted'
  /** The nonce is used on chain (maybe by this very transaction, sent earlier). */
  | 'nonce_too_low'
  /** Another transaction holds this nonce in the pool at an equal or higher fee (maybe an earlier attempt of ours). */
  | 'replacement_underpriced'
  /** Its fees are below what the node or the next block accepts: it must be re-signed higher. */
  | 'underpriced'
  /** The wallet cannot pay for gas: nothing goes until it is funded. */
  | 'insufficient_funds'
  /** The node will never take this transaction as signed (malformed, over the gas limit). */
  | 'rejected'
  /** The `blockchain` breaker is open: nothing left this process. */
  | 'not_sent'
  /** Timeout, connection loss, anything else: it may or may not have been accepted. */
  | 'unknown';

const PATTERNS: Array<[SendOutcome, RegExp]> = [
  ['accepted', /already known|known transaction|already imported|transaction already exists/i],
  ['nonce_too_low', /nonce too low|nonce has already been used|oldnonce|invalid nonce.*lower/i],
  ['replacement_underpriced', /replacement transaction underpriced|replacement underpriced|fee too low to replace/i],
  [
    'underpriced',
    /transaction underpriced|less than (the )?block base ?fee|fee ?cap (is )?(less|lower) than|gas price too low|feecap too low|max fee per gas less than|underpriced/i,
  ],
  ['insufficient_funds', /insufficient funds/i],
  [
    'rejected',
    /exceeds block gas limit|intrinsic gas too low|gas limit reached|invalid sender|invalid signature|oversized data|tx type not supported|chain ?id/i,
  ],
];

export function classifySendError(error: unknown): SendOutcome {
  if (findOpenBreaker(error)) return 'not_sent';
  const text = describeError(error);
  for (const [outcome, pattern] of PATTERNS) if (pattern.test(text)) return outcome;
  return 'unknown';
}

/**
 * viem nests the node's words under `cause`/`details`; collect every layer. Redacted: viem's
 * messages carry the RPC URL, and a provider's key lives in its path.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    if (typeof current === 'object') {
      const { message, details, shortMessage } = current as { message?: unknown; details?: unknown; shortMessage?: unknown };
      for (const part of [shortMessage, details, message]) if (typeof part === 'string') parts.push(part);
      current = (current as { cause?: unknown }).cause;
    } else {
      // Not an object: a primitive a library threw as it is.
      parts.push(String(current as string | number | bigint | boolean | symbol));
      current = undefined;
    }
  }
  return redactSecrets(parts.join(' | '));
}

/** Whether the node refused the call because executing it reverts (as opposed to not answering). */
export function isRevertError(error: unknown): boolean {
  return /revert|execution reverted/i.test(describeError(error));
}
