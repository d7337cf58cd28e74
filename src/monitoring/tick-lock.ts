import { Inject, Injectable, Logger } from '@nestjs/common';

import { REDIS, type RedisConnection } from '../redis/redis.module';

/** What the lock says about a tick: taken here, taken elsewhere, or unknown (Redis did not answer). */
export type TickLockOutcome = 'acquired' | 'taken' | 'unavailable';

/**
 * The fast path of "each tick on exactly one instance": `SET monitor:tick:<n> <instance> NX PX`,
 * one round trip, so the instances that lose never touch the database. Held for two intervals,
 * so an instance whose clock lags by up to one interval still finds it. Without Redis there
 * is nothing to share and the tick ledger alone decides.
 */
@Injectable()
export class TickLock {
  private readonly logger = new Logger(TickLock.name);

  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  async acquire(tick: bigint, instanceId: string, intervalMs: number): Promise<TickLockOutcome> {
    if (this.redis === null) return 'unavailable';
    try {
      const answer = await this.redis.set(tickLockKey(tick), instanceId, 'PX', 2 * intervalMs, 'NX');
      return answer === 'OK' ? 'acquired' : 'taken';
    } catch (error) {
      this.logger.warn({ err: error, tick: tick.toString() }, 'tick lock unavailable; the tick ledger decides');
      return 'unavailable';
    }
  }
}

/** The lock's key, under the connection's key prefix. */
export const tickLockKey = (tick: bigint): string => `monitor:tick:${tick}`;
