import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

export class CircuitBreakerNotFoundError extends AppError {
  readonly code = ErrorCode.CIRCUIT_BREAKER_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(name: string, known: string[]) {
    super(`No circuit breaker named '${name}'`, 'This circuit breaker does not exist.', { name, known });
  }
}
