import { HttpStatus } from '@nestjs/common';

import { findOpenBreaker } from '../circuit-breaker/circuit-breaker.errors';
import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

/**
 * The chain could not answer a read (RPC down, timed out, or the contract missing at the
 * configured address). A 503: the request was fine and may succeed later.
 */
export class ChainUnavailableError extends AppError {
  readonly code = ErrorCode.SERVICE_UNAVAILABLE;
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor(operation: string, cause: unknown) {
    super(`Chain read ${operation} failed: ${describe(cause)}`, 'The blockchain is temporarily unavailable; try again shortly.', {
      operation,
    });
    this.cause = cause;
  }
}

/** What a failed chain read means to a caller: the breaker's own refusal, or the chain being unavailable. */
export function chainReadFailure(operation: string, cause: unknown): AppError {
  return findOpenBreaker(cause) ?? new ChainUnavailableError(operation, cause);
}

// viem's `shortMessage` names the failure without the request body or RPC URL (which may
// embed a provider API key); `message` carries both.
function describe(cause: unknown): string {
  if (cause instanceof Error) return 'shortMessage' in cause ? String(cause.shortMessage) : cause.name;
  return 'unknown error';
}
