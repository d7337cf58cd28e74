import { randomUUID } from 'node:crypto';
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { redactSecrets } from '../common/redaction';
import type { AppError } from './app.error';
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
    const body = errorResponseBody(error, errorId, requestId);
    // Open breakers and rate limits say when to come back, in the header clients and proxies honour.
    const retryAfter = (error.details as { retry_after_seconds?: unknown }).retry_after_seconds;
    if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(retryAfter));
    response.status(error.status).json(body);
  }
}

export function errorResponseBody(error: AppError, errorId: string, requestId: string | null): ErrorResponseBody {
  return {
    error: error.code,
    // Our messages may quote a library's text (a chain read's cause), which may quote secrets.
    message: redactSecrets(error.message),
    user_message: error.userMessage,
    error_id: errorId,
    request_id: requestId,
    timestamp: new Date().toISOString(),
    details: error.details,
  };
}

/** The statuses Node itself answers a request it cannot parse with (see its `socketOnError`). */
const PARSER_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431, // Request Header Fields Too Large (not in Nest's HttpStatus)
  HPE_CHUNK_EXTENSIONS_OVERFLOW: HttpStatus.PAYLOAD_TOO_LARGE,
  ERR_HTTP_REQUEST_TIMEOUT: HttpStatus.REQUEST_TIMEOUT,
};

/**
 * Requests Node's HTTP parser refuses (headers or URL above its 16 KiB limit, a malformed
 * request line) never reach Express; Node answers them with an empty body. This answers them
 * in the error shape of the API instead, with the status Node would have used.
 */
export function answerHttpParserErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing can be answered on a socket that is gone or already half-way through an answer
    // (the test Node itself makes: the response in flight on this connection has sent its head).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = PARSER_ERROR_STATUS[error.code ?? ''] ?? HttpStatus.BAD_REQUEST;
    const appError = toAppError(new HttpException(STATUS_CODES[status] ?? 'Bad Request', status), { method: '', url: '' });
    // The request's own X-Request-Id is unreadable here: it gets a fresh one, as an unnamed request does.
    const requestId = randomUUID();
    const body = JSON.stringify(errorResponseBody(appError, randomUUID(), requestId));
    socket.end(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `X-Request-Id: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
