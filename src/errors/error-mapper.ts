import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';

import { findOpenBreaker } from '../circuit-breaker/circuit-breaker.errors';
import { AppError } from './app.error';
import {
  InternalError,
  InvalidApiKeyError,
  InvalidJsonError,
  PayloadTooLargeError,
  RateLimitExceededError,
  RouteNotFoundError,
  ValidationError,
} from './app.errors';

/** Shape of the errors raised by body-parser before any Nest code runs. */
interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

const isBodyParserError = (value: unknown): value is BodyParserError =>
  typeof value === 'object' && value !== null && typeof (value as BodyParserError).type === 'string' && 'status' in value;

/**
 * Turns anything thrown while serving a request into an `AppError` with a stable code.
 * Unknown errors become `InternalError`; the caller keeps the original for `error_logs`.
 */
export function toAppError(exception: unknown, request: { method: string; url: string }): AppError {
  if (exception instanceof AppError) return exception;
  // A library may wrap our own error (viem wraps the breaker's refusal): it still means what it says.
  const wrapped = findOpenBreaker(exception);
  if (wrapped) return wrapped;
  // The Express adapter wraps body-parser's errors in HttpExceptions; the cause says which.
  const parserError = exception instanceof HttpException ? exception.cause : exception;
  if (isBodyParserError(parserError)) {
    if (parserError.type === 'entity.parse.failed') return new InvalidJsonError();
    if (parserError.type === 'entity.too.large') return new PayloadTooLargeError(parserError.limit ?? 0);
  }
  if (exception instanceof NotFoundException) return new RouteNotFoundError(request.method, request.url.split('?')[0]);
  if (exception instanceof HttpException) {
    switch (exception.getStatus()) {
      case HttpStatus.BAD_REQUEST:
        return new ValidationError({ reason: exception.message });
      case HttpStatus.UNAUTHORIZED:
        return new InvalidApiKeyError();
      case HttpStatus.PAYLOAD_TOO_LARGE:
        return new PayloadTooLargeError(0);
      case HttpStatus.TOO_MANY_REQUESTS:
        return new RateLimitExceededError(1);
    }
  }
  return new InternalError();
}
