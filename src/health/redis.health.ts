import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

import { redisTopology } from '../redis/redis.connection';
import { REDIS, type RedisConnection } from '../redis/redis.module';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisConnection,
  ) {}

  check(timeoutMs: number) {
    return this.health
      .check('redis')
      .attempt(async () => {
        // Without Redis the service coordinates in process: nothing to reach, but say so.
        if (this.redis === null) return { mode: 'in-process' };
        await this.redis.ping();
        return { mode: 'shared', topology: redisTopology(this.redis) };
      })
      .withTimeout(timeoutMs);
  }
}
