import { Global, Logger, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

import { AppConfigService } from '../config/app-config.service';
import { REDIS, type RedisConnection } from '../redis/redis.module';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { RateLimitMiddleware } from './rate-limit.middleware';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** A request waits at most this long for the shared count before it is counted in process. */
const SHARED_COUNT_TIMEOUT_MS = 1_000;

/** Redis states in which a command would only wait in the offline queue: count in process at once. */
const DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/** Shared through Redis when there is one (in process while it fails), else this process's own count. */
export function rateLimitStorage(redis: RedisConnection, commandTimeoutMs: number): ThrottlerStorage {
  if (redis === null) {
    new Logger('RateLimit').warn('REDIS_URL is not set: rate limits are counted IN THIS PROCESS ONLY, per instance');
    return new ThrottlerStorageService();
  }
  return new FallbackThrottlerStorage(new RedisThrottlerStorage(redis), new ThrottlerStorageService(), {
    timeoutMs: Math.min(SHARED_COUNT_TIMEOUT_MS, commandTimeoutMs),
    isAvailable: () => !DOWN.has(redis.status),
  });
}

/**
 * Rate limits shared by every instance: @nestjs/throttler's storage interface, counted in
 * Redis by one Lua script. Admin routes per caller address, client routes per client (per
 * address without a valid client key), everything else per address; the liveness and
 * readiness probes never.
 *
 * Global so that its middleware is mounted before any feature module's: Nest mounts the
 * middleware of global modules first, so the limiter runs ahead of the admin access log,
 * of every guard, and of routing (unknown routes are limited too).
 */
@Global()
@Module({
  providers: [
    {
      provide: ThrottlerStorage,
      inject: [REDIS, AppConfigService],
      useFactory: (redis: RedisConnection, config: AppConfigService) => rateLimitStorage(redis, config.get('redis').commandTimeoutMs),
    },
  ],
  exports: [ThrottlerStorage],
})
export class RateLimitModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RateLimitMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
