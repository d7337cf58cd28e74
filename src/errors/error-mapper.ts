import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';

import { findOpenBreaker } from '../circuit-breaker/circuit-breaker.errors';
import { AppError } from './app.error';
import {
  DependencyUnavailableError,
  InternalError,
  InvalidApiKeyError,
  PayloadTooLargeError,
  RateLimitExceededError,
  RouteNotFoundError,
  ValidationError,
} from './app.errors';
import { isDependencyOutage } from './dependency-outage';
import { ErrorCode } from './error-codes';

/** The code Fastify gives a body over the route's limit, read before any Nest code runs. */
const BODY_TOO_LARGE = 'FST_ERR_CTP_BODY_TOO_LARGE';

const fastifyCodeOf = (value: unknown): unknown => (value instanceof Error ? (value as Error & { code?: unknown }).code : undefined);

/** The 4xx statuses a framework error may carry that have a code of their own. */
const CLIENT_ERRORS: Partial<Record<number, { code: ErrorCode; userMessage: string }>> = {
  [HttpStatus.FORBIDDEN]: { code: ErrorCode.FORBIDDEN, userMessage: 'This request is not allowed.' },
  [HttpStatus.METHOD_NOT_ALLOWED]: { code: ErrorCode.METHOD_NOT_ALLOWED, userMessage: 'This endpoint does not accept this method.' },
  [HttpStatus.NOT_ACCEPTABLE]: { code: ErrorCode.NOT_ACCEPTABLE, userMessage: 'This endpoint cannot answer in the format requested.' },
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: {
    code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    userMessage: 'The request body is not in a format this endpoint reads.',
  },
};

/**
 * A 4xx raised by Nest or a library rather than by the service: it keeps its status, with
 * the code of that status, or `CLIENT_ERROR` for one without a code of its own.
 */
export class HttpClientError extends AppError {
  readonly code: ErrorCode;

  constructor(
    readonly status: number,
    message: string,
  ) {
    const known = CLIENT_ERRORS[status];
    super(message, known?.userMessage ?? 'The request could not be served as sent.', { status });
    this.code = known?.code ?? ErrorCode.CLIENT_ERROR;
  }
}

/**
 * Turns anything thrown while serving a request into an `AppError` with a stable code.
 * Unknown errors become `InternalError`; the caller keeps the original for `error_logs`.
 */
export function toAppError(exception: unknown, request: { method: string; url: string; bodyLimit?: number }): AppError {
  if (exception instanceof AppError) return exception;
  // A library may wrap our own error (viem wraps the breaker's refusal): it still means what it says.
  const wrapped = findOpenBreaker(exception);
  if (wrapped) return wrapped;
  // The Fastify adapter wraps Fastify's own 4xx errors in HttpExceptions; the cause's code says which.
  const cause = exception instanceof HttpException ? exception.cause : exception;
  if (fastifyCodeOf(cause) === BODY_TOO_LARGE) return new PayloadTooLargeError(request.bodyLimit ?? 0);
  if (exception instanceof NotFoundException) return new RouteNotFoundError(request.method, request.url.split('?')[0]);
  if (exception instanceof HttpException) {
    switch (exception.getStatus() as HttpStatus) {
      case HttpStatus.BAD_REQUEST:
        return new ValidationError({ reason: exception.message });
      case HttpStatus.UNAUTHORIZED:
        return new InvalidApiKeyError();
      case HttpStatus.PAYLOAD_TOO_LARGE:
        return new PayloadTooLargeError(0);
      case HttpStatus.TOO_MANY_REQUESTS:
        return new RateLimitExceededError(1);
    }
    const status = exception.getStatus();
    if (status >= 400 && status < 500) return new HttpClientError(status, exception.message);
  }
  if (isDependencyOutage(exception)) return new DependencyUnavailableError();
  return new InternalError();
}
