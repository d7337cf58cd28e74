import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

/** The named dependency is failing: calls fail fast until the breaker lets a probe through. */
export class CircuitBreakerOpenError extends AppError {
  readonly code = ErrorCode.CIRCUIT_BREAKER_OPEN;
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor(
    readonly breaker: string,
    readonly retryAt: Date,
  ) {
    super(
      `Circuit breaker '${breaker}' is open until ${retryAt.toISOString()}`,
      'A service we depend on is unavailable; please retry shortly.',
      {
        breaker,
        retry_at: retryAt.toISOString(),
        retry_after_seconds: Math.max(1, Math.ceil((retryAt.getTime() - Date.now()) / 1000)),
      },
    );
  }
}

/**
 * Finds the breaker's refusal however deep a library wrapped it (viem reports a failed
 * `estimateGas` as an EstimateGasExecutionError whose cause is the transport's error).
 */
export function findOpenBreaker(error: unknown): CircuitBreakerOpenError | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 8; depth++) {
    if (current instanceof CircuitBreakerOpenError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
