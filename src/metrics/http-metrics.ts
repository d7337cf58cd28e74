import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';

import { MetricsRegistry } from './metrics.registry';

/** The `route` of a request no route matched: 404s. */
export const UNMATCHED_ROUTE = 'unmatched';
/** The `status` of a request whose caller left before the answer was complete (nginx's convention). */
export const CLIENT_CLOSED_STATUS = '499';
/** From a fast read to a slow RPC-bound intake; beyond 10 s only "slow" matters. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** When the request reached the application and under which route, kept on its response so one shared listener serves every request. */
type TimedResponse = ServerResponse & { havenStartedAt?: number; havenRoute?: string };

/**
 * Requests by method, route and status, and how long they took. `route` is the route
 * template (`/api/v1/transactions/:txId`), never the path: paths carry ids and addresses,
 * and a series per id would grow without bound. Fastify routes a request before anything
 * else runs, so a request refused on a route (429, an unparsable body) counts under that
 * route. A request is recorded when its response closes, so it is counted whoever answered
 * it: a controller, a guard, the global filter, the rate limiter or the body parser.
 */
@Injectable()
export class HttpMetrics {
  /** The `close` listener of every response; `this` is the response. */
  private readonly record: (this: TimedResponse) => void;

  constructor(metrics: MetricsRegistry) {
    const requests = new Counter({
      name: 'haven_http_requests_total',
      help: 'HTTP requests answered, by method, route template ("unmatched" when no route matched) and status',
      labelNames: ['method', 'route', 'status'],
      registers: [metrics],
    });
    const durations = new Histogram({
      name: 'haven_http_request_duration_seconds',
      help: 'Time from a request reaching the application to its response being sent, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [metrics],
    });
    this.record = function record(this: TimedResponse): void {
      const seconds = (performance.now() - (this.havenStartedAt ?? performance.now())) / 1000;
      const status = this.writableFinished ? String(this.statusCode) : CLIENT_CLOSED_STATUS;
      const labels = { method: this.req.method ?? '', route: this.havenRoute ?? UNMATCHED_ROUTE, status };
      requests.inc(labels);
      durations.observe(labels, seconds);
    };
  }

  /**
   * Called first for every request (Nest's `onRequest` hook of the Fastify adapter, see
   * `createApp`). Per request it takes one timestamp and adds one listener, the same
   * function for every request.
   */
  start(request: FastifyRequest, reply: FastifyReply): void {
    const response = reply.raw as TimedResponse;
    response.havenStartedAt = performance.now();
    response.havenRoute = routeOf(request);
    // `on`, not `once`: a response closes once, and `once` would wrap the listener anew per request.
    response.on('close', this.record);
  }
}

/** A path that is a wildcard and nothing else (`*`, `/*`): it matches any request. */
const CATCH_ALL = /^\/?\*$/;

/**
 * The template of the route Fastify matched. A request no route matched goes to Nest's
 * "not found" handler (`is404`); a catch-all route (CORS's preflight) names no route either.
 */
function routeOf(request: FastifyRequest): string {
  const template = request.is404 ? undefined : request.routeOptions.url;
  return template === undefined || CATCH_ALL.test(template) ? UNMATCHED_ROUTE : template;
}
