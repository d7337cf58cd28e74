import { HttpStatus } from '@nestjs/common';

import { AppError, type ErrorDetails } from './app.error';
import { ErrorCode } from './error-codes';

/** The request's fields did not pass validation; `details` lists each field's problems. */
export class ValidationError extends AppError {
  readonly code = ErrorCode.VALIDATION_ERROR;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(details: ErrorDetails) {
    super('Request validation failed', 'Some fields of the request are missing or invalid.', details);
  }
}

export class InvalidJsonError extends AppError {
  readonly code = ErrorCode.INVALID_JSON;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor() {
    super('Request body is not valid JSON', 'The request body could not be read as JSON.');
  }
}

/**
 * 400 rather than 413: the API promises one status for every kind of bad input, so clients
 * branch on `error`, the stable code, not on a status only proxies also send.
 */
export class PayloadTooLargeError extends AppError {
  readonly code = ErrorCode.PAYLOAD_TOO_LARGE;
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes`, 'The request is too large.', { limit_bytes: limitBytes });
  }
}

export class RouteNotFoundError extends AppError {
  readonly code = ErrorCode.ROUTE_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(method: string, path: string) {
    super(`No route for ${method} ${path}`, 'This endpoint does not exist.', { method, path });
  }
}

export class InvalidApiKeyError extends AppError {
  readonly code = ErrorCode.INVALID_API_KEY;
  readonly status = HttpStatus.UNAUTHORIZED;
  constructor() {
    super('Missing or invalid API key', 'Authentication failed.');
  }
}

export class RateLimitExceededError extends AppError {
  readonly code = ErrorCode.RATE_LIMIT_EXCEEDED;
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  constructor(retryAfterSeconds: number) {
    super('Rate limit exceeded', 'Too many requests; try again shortly.', { retry_after_seconds: retryAfterSeconds });
  }
}

/** Long enough for a database restart or failover to finish, short enough not to stall a client. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

/** A dependency (database, Redis) is briefly unavailable: the request was fine, send it again shortly. */
export class DependencyUnavailableError extends AppError {
  readonly code = ErrorCode.SERVICE_UNAVAILABLE;
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  constructor() {
    super('A dependency is unavailable', 'The service is briefly unavailable; send the same request again shortly.', {
      retry_after_seconds: DEPENDENCY_RETRY_AFTER_SECONDS,
    });
  }
}

/** Anything not raised on purpose. The original error stays in `error_logs`, never in the response. */
export class InternalError extends AppError {
  readonly code = ErrorCode.INTERNAL_ERROR;
  readonly status = HttpStatus.INTERNAL_SERVER_ERROR;
  constructor() {
    super('Internal server error', 'Something went wrong on our side. Quote the error id if you contact support.');
  }
}
