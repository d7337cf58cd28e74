import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';

import type { AppConfig } from '../config/app-config';
import { AppConfigService } from '../config/app-config.service';

/** The shared Redis connection, or `null` when the service runs alone with in-process coordination. */
export const REDIS = Symbol('REDIS');
export type RedisConnection = Redis | null;

const logger = new Logger('Redis');

/** The shared connection's options; exported so the tests exercise these very ones. */
export function redisOptions({ keyPrefix, commandTimeoutMs }: AppConfig['redis']): RedisOptions {
  return {
    keyPrefix,
    connectionName: 'haven-backend',
    // A command waits through at most two reconnects, then fails: callers (breakers, the
    // nonce manager) decide what a failure means rather than hanging on a dead Redis.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    // Reconnects only help when the connection drops. A Redis that keeps the socket open but
    // never answers (paused, swapping, a half-open link) would hold every caller forever; the
    // clock starts when the command is issued, so time spent in the offline queue counts too.
    commandTimeout: commandTimeoutMs,
    lazyConnect: false,
  };
}

function connect(config: AppConfigService): RedisConnection {
  const settings = config.get('redis');
  if (settings.url === undefined) {
    logger.warn(
      'REDIS_URL is not set: nonces, breakers and locks are coordinated IN THIS PROCESS ONLY. ' +
        'Never run a second instance or WORKERS>1 like this.',
    );
    return null;
  }
  return new Redis(settings.url, redisOptions(settings));
}

@Global()
@Module({
  providers: [{ provide: REDIS, inject: [AppConfigService], useFactory: connect }],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis !== null && this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
