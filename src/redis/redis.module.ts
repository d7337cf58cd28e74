import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

import { AppConfigService } from '../config/app-config.service';

/** The shared Redis connection, or `null` when the service runs alone with in-process coordination. */
export const REDIS = Symbol('REDIS');
export type RedisConnection = Redis | null;

const logger = new Logger('Redis');

function connect(config: AppConfigService): RedisConnection {
  const { url, keyPrefix } = config.get('redis');
  if (url === undefined) {
    logger.warn(
      'REDIS_URL is not set: nonces, breakers and locks are coordinated IN THIS PROCESS ONLY. ' +
        'Never run a second instance or WORKERS>1 like this.',
    );
    return null;
  }
  return new Redis(url, {
    keyPrefix,
    connectionName: 'haven-backend',
    // A command waits through at most two reconnects, then fails: callers (breakers, the
    // nonce manager) decide what a failure means rather than hanging on a dead Redis.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    lazyConnect: false,
  });
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
