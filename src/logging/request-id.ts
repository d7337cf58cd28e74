import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only if it is short and plain, so it cannot forge log lines. */
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Takes the caller's `X-Request-Id` or makes one, and echoes it on the response so a client
 * and an operator can talk about the same request. A request keeps the id it was given first.
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  if (typeof request.id === 'string') return request.id;
  const incoming = request.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  const id = candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Gives every request its id before anything can answer it: mounted ahead of the body
 * parser, so even a body that cannot be parsed is answered with the caller's id.
 */
export function requestIdMiddleware(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  request.id = assignRequestId(request, response);
  next();
}
