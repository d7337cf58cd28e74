import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { headerOf } from '../common/http-request';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only if it is short and plain, so it cannot forge log lines. */
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The caller's `X-Request-Id`, or a new one: Fastify's `genReqId`, so the id is the
 * request's before any hook, middleware or handler runs. An id already given is kept.
 */
export function requestIdOf(request: IncomingMessage): string {
  if (typeof request.id === 'string') return request.id;
  const candidate = headerOf(request.headers, REQUEST_ID_HEADER);
  return candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * Echoes the request's id on its response, so a client and an operator can talk about the
 * same request. Set on the Node response, which every answer goes out through: a route's, an
 * error's, a refusal's before routing.
 */
export function echoRequestId(id: string, response: ServerResponse): void {
  response.setHeader('X-Request-Id', id);
}
