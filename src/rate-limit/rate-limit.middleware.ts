import type { ServerResponse } from 'node:http';

import { Inject, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { Counter } from 'prom-client';

import type { MiddlewareRequest } from '../common/http-request';
import { AppConfigService } from '../config/app-config.service';
import { RateLimitExceededError } from '../errors/app.errors';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { addressTracker, ClientTracker, RATE_LIMIT_NAMES, RATE_LIMIT_WINDOW_MS, type RateLimitName, rateLimitOf } from './rate-limit.rules';

/** At most one "rate limit reached" line per limit per this many milliseconds. */
const WARN_EVERY_MS = 10_000;

/**
 * Counts every request against one named limit (see `rateLimitOf`) in the throttler storage
 * and refuses it past the limit: 429 RATE_LIMIT_EXCEEDED with `Retry-After`, through the
 * global exception filter. It runs ahead of every route's own middleware and guards (the
 * admin access log, the API-key guards) and of routing itself, so a caller over its limit
 * costs one Redis round trip and nothing else: no key is compared, nothing is read or
 * written, and floods of unknown routes are limited too.
 */
@Injectable()
export class RateLimitMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RateLimit');
  private readonly limits: Record<RateLimitName, number>;
  private readonly clients: ClientTracker;
  private readonly refusals: Counter<'limit'>;
  private readonly warnings = new Map<RateLimitName, { at: number; suppressed: number }>();

  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    config: AppConfigService,
    metrics: MetricsRegistry,
  ) {
    const { adminPerMinute, clientPerMinute, anonymousPerMinute } = config.get('rateLimits');
    this.limits = { admin: adminPerMinute, client: clientPerMinute, anonymous: anonymousPerMinute };
    this.clients = new ClientTracker(config.get('security').clientKeys);
    this.refusals = new Counter({
      name: 'haven_rate_limited_total',
      help: 'Requests this instance refused with 429, by limit (admin, client, anonymous)',
      labelNames: ['limit'],
      registers: [metrics],
    });
    for (const limit of RATE_LIMIT_NAMES) this.refusals.inc({ limit }, 0);
  }

  async use(request: MiddlewareRequest, response: ServerResponse, next: () => void): Promise<void> {
    const route = rateLimitOf(request);
    if (route === null) return next();
    const client = route === 'client' ? this.clients.trackerOf(request) : null;
    // A client route called without a valid client key is an anonymous caller's request.
    const name: RateLimitName = route === 'client' && client === null ? 'anonymous' : route;
    const tracker = client ?? addressTracker(request);
    const limit = this.limits[name];
    // `<limit>:<tracker>`: one caller's count covers every route of a limit, on every instance.
    const record = await this.storage.increment(`${name}:${tracker}`, RATE_LIMIT_WINDOW_MS, limit, 0, name);
    response.setHeader('X-RateLimit-Limit', limit);
    response.setHeader('X-RateLimit-Remaining', Math.max(0, limit - record.totalHits));
    response.setHeader('X-RateLimit-Reset', record.timeToExpire);
    if (!record.isBlocked) return next();
    this.refusals.inc({ limit: name });
    this.warn(name, tracker, limit);
    throw new RateLimitExceededError(Math.max(1, Math.ceil(record.timeToBlockExpire)));
  }

  /** A flood would otherwise write one line per refusal: the first, then a count every few seconds. */
  private warn(limit: RateLimitName, tracker: string, perMinute: number): void {
    const now = Date.now();
    const last = this.warnings.get(limit);
    if (last !== undefined && now - last.at < WARN_EVERY_MS) {
      last.suppressed += 1;
      return;
    }
    this.logger.warn({ limit, tracker, perMinute, suppressed: last?.suppressed ?? 0 }, 'rate limit reached: refusing with 429');
    this.warnings.set(limit, { at: now, suppressed: 0 });
  }
}
