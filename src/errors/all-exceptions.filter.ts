import { randomUUID } from 'node:crypto';

import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { redactSecrets } from '../common/redaction';
import { ErrorLogService } from './error-log.service';
import { toAppError } from './error-mapper';

/** The one error body every endpoint answers with (README, "Errors"). */
export interface ErrorResponseBody {
  error: string;
  message: string;
  user_message: string;
  error_id: string;
  request_id: string | null;
  timestamp: string;
  details: unknown;
}

const userIdOf = (request: Request): string | undefined => {
  const fromBody = (request.body as { userId?: unknown } | undefined)?.userId;
  const fromQuery = request.query?.userId;
  const candidate = typeof fromBody === 'string' ? fromBody : fromQuery;
  return typeof candidate === 'string' ? candidate : undefined;
};

/**
 * Maps every error, including ones Nest and Express raise themselves (unknown routes,
 * malformed JSON), to the one response shape of the API. Server errors are stored before the
 * response goes out, so the `error_id` a client sees is always in `error_logs`.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  constructor(private readonly errorLogs: ErrorLogService) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const error = toAppError(exception, request);
    const errorId = randomUUID();
    const requestId = request.id === undefined ? null : String(request.id);

    if (error.status >= 500) {
      const original = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        { errorId, requestId, code: error.code, err: { type: original.name, message: redactSecrets(original.message) } },
        redactSecrets(original.stack ?? original.message),
      );
      await this.errorLogs.record({
        errorId,
        errorType: error.code,
        statusCode: error.status,
        error: exception,
        method: request.method,
        path: request.originalUrl ?? request.url,
        requestId: requestId ?? undefined,
        userId: userIdOf(request),
      });
    }

    if (response.headersSent) return;
    const body: ErrorResponseBody = {
      error: error.code,
      // Our messages may quote a library's text (a chain read's cause), which may quote secrets.
      message: redactSecrets(error.message),
      user_message: error.userMessage,
      error_id: errorId,
      request_id: requestId,
      timestamp: new Date().toISOString(),
      details: error.details,
    };
    // Open breakers and rate limits say when to come back, in the header clients and proxies honour.
    const retryAfter = (error.details as { retry_after_seconds?: unknown }).retry_after_seconds;
    if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(retryAfter));
    response.status(error.status).json(body);
  }
}
