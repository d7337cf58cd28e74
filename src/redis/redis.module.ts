import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';
import { closeConnection, createRedisConnection, redisMode, type SharedRedis } from './redis.connection';

export { redisOptions } from './redis.connection';

/** The shared Redis connection, or `null` when the service runs alone with in-process coordination. */
export const REDIS = Symbol('REDIS');
export type RedisConnection = SharedRedis | null;

const logger = new Logger('Redis');

function connect(config: AppConfigService): RedisConnection {
  const settings = config.get('redis');
  const mode = redisMode(settings);
  if (mode === 'none') {
    logger.warn(
      'Redis is not configured (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): nonces, breakers and locks are ' +
        'coordinated IN THIS PROCESS ONLY. Never run a second instance or WORKERS>1 like this.',
    );
    return null;
  }
  logger.log({ mode }, 'connecting to Redis');
  return createRedisConnection(settings);
}

@Global()
@Module({
  providers: [{ provide: REDIS, inject: [AppConfigService], useFactory: connect }],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis !== null) await closeConnection(this.redis);
  }
}
