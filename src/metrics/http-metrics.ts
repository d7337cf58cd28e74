import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram } from 'prom-client';

import { MetricsRegistry } from './metrics.registry';

/** The `route` of a request no route matched: 404s, and refusals before routing (429s, unparsable bodies). */
export const UNMATCHED_ROUTE = 'unmatched';
/** The `status` of a request whose caller left before the answer was complete (nginx's convention). */
export const CLIENT_CLOSED_STATUS = '499';
/** From a fast read to a slow RPC-bound intake; beyond 10 s only "slow" matters. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** When the request reached the application, kept on its response so one shared listener serves every request. */
type TimedResponse = ServerResponse & { req: Request; havenStartedAt?: number };

/**
 * Requests by method, route and status, and how long they took. `route` is the route
 * template (`/api/v1/transactions/:txId`), never the path: paths carry ids and addresses,
 * and a series per id would grow without bound. A request is recorded when its response
 * closes, so it is counted whoever answered it: a controller, a guard, the global filter,
 * the rate limiter or the body parser before any route was chosen.
 */
@Injectable()
export class HttpMetrics {
  /** The `close` listener of every response; `this` is the response. */
  private readonly record: (this: TimedResponse) => void;

  constructor(metrics: MetricsRegistry) {
    const requests = new Counter({
      name: 'haven_http_requests_total',
      help: 'HTTP requests answered, by method, route template ("unmatched" when no route was chosen) and status',
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
      const labels = { method: this.req.method, route: routeOf(this.req), status };
      requests.inc(labels);
      durations.observe(labels, seconds);
    };
  }

  /**
   * Express middleware, mounted ahead of everything else (see `createApp`). Per request it
   * takes one timestamp and adds one listener, the same function for every request.
   */
  readonly middleware = (_request: Request, response: Response, next: NextFunction): void => {
    (response as unknown as TimedResponse).havenStartedAt = performance.now();
    // `on`, not `once`: a response closes once, and `once` would wrap the listener anew per request.
    response.on('close', this.record);
    next();
  };
}

/** A path that is a wildcard and nothing else (`/{*path}`, `{/*splat}`): it matches any request. */
const CATCH_ALL = /^\{?\/?\*\w+\}?$|^\/\{\*\w+\}$/;

/**
 * The template of the route Express matched last. Nest registers every handler on the
 * application's own router under its full path, so the route's path is the whole template.
 * Middleware applied to every route (the rate limiter) and Nest's "not found" handler are
 * catch-all routes too: a request that met only those was answered before, or without,
 * finding its handler.
 */
function routeOf(request: Request): string {
  const path: unknown = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !CATCH_ALL.test(path) ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}
