import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

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

/**
 * What the filter reads from a request: Fastify's, when a route, hook or parser failed, or the
 * Node request (with what @fastify/middie copied onto it), when a middleware did.
 */
interface FailedRequest {
  method?: string;
  url?: string;
  /** The target as sent: a middleware mounted on a path sees `url` without that path. */
  originalUrl?: string;
  id?: unknown;
  body?: unknown;
  query?: unknown;
  routeOptions?: { bodyLimit?: number };
}

const userIdOf = (request: FailedRequest): string | undefined => {
  const fromBody = (request.body as { userId?: unknown } | undefined)?.userId;
  const fromQuery = (request.query as { userId?: unknown } | undefined)?.userId;
  const candidate = typeof fromBody === 'string' ? fromBody : fromQuery;
  return typeof candidate === 'string' ? candidate : undefined;
};

/**
 * Maps every error, including ones Nest and Fastify raise themselves (unknown routes,
 * oversize bodies), to the one response shape of the API. Server errors are stored before the
 * response goes out, so the `error_id` a client sees is always in `error_logs`.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  constructor(
    private readonly errorLogs: ErrorLogService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<FailedRequest>();
    // A Fastify reply, or the Node response when a middleware failed: the adapter answers either.
    const response: unknown = http.getResponse();
    const { httpAdapter } = this.adapterHost;
    const method = request.method ?? '';
    const url = request.originalUrl ?? request.url ?? '';
    const error = toAppError(exception, { method, url, bodyLimit: request.routeOptions?.bodyLimit });
    const errorId = randomUUID();
    const requestId = typeof request.id === 'string' ? request.id : null;

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
        method,
        path: url,
        requestId: requestId ?? undefined,
        userId: userIdOf(request),
      });
    }

    if (httpAdapter.isHeadersSent(response)) return;
    const body = errorResponseBody(error, errorId, requestId);
    // Open breakers and rate limits say when to come back, in the header clients and proxies honour.
    const retryAfter = (error.details as { retry_after_seconds?: unknown }).retry_after_seconds;
    if (typeof retryAfter === 'number') httpAdapter.setHeader(response, 'Retry-After', String(retryAfter));
    httpAdapter.reply(response, body, error.status);
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

/**
 * Requests Fastify's router refuses before any hook runs (its `frameworkErrors`): a path
 * whose percent-encoding does not decode, or a path parameter longer than the router keeps.
 * Answered in the error shape, with the request's id.
 */
export function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? HttpStatus.BAD_REQUEST;
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The request path is not valid percent-encoding';
  const appError = toAppError(new HttpException(message, status, { cause: error }), { method: request.method, url: request.url });
  void reply
    .code(appError.status)
    .header('X-Request-Id', request.id)
    .send(errorResponseBody(appError, randomUUID(), request.id));
}

/** The statuses Node itself answers a request it cannot parse with (see its `socketOnError`). */
const PARSER_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431, // Request Header Fields Too Large (not in Nest's HttpStatus)
  HPE_CHUNK_EXTENSIONS_OVERFLOW: HttpStatus.PAYLOAD_TOO_LARGE,
  ERR_HTTP_REQUEST_TIMEOUT: HttpStatus.REQUEST_TIMEOUT,
};

/**
 * Requests Node's HTTP parser refuses (headers or URL above its 16 KiB limit, a malformed
 * request line) never reach Fastify's routing; this answers them (Fastify's
 * `clientErrorHandler`) in the error shape of the API, with the status Node would have used.
 */
export function answerHttpParserError(error: NodeJS.ErrnoException, socket: Duplex): void {
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
}
