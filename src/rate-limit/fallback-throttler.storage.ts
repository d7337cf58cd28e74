import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

import type { ThrottlerStorageRecord } from './redis-throttler.storage';

/** At most one "Redis unreachable" warning per this many milliseconds. */
const WARN_EVERY_MS = 30_000;

/** Why a shared count was not used for a call. */
class SharedStorageUnavailable extends Error {}

export interface FallbackOptions {
  /** Longest a request waits for the shared count before it is counted here instead. */
  timeoutMs: number;
  /** False while the shared store is known to be unreachable: no request waits on it then. */
  isAvailable?: () => boolean;
}

/**
 * The shared (Redis) count, or this process's own when Redis fails or is slow: a Redis
 * outage must neither fail requests nor lift every limit. Limits then hold per instance
 * rather than for the fleet, until Redis answers again.
 */
export class FallbackThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private lastWarning = 0;
  private suppressed = 0;

  constructor(
    private readonly shared: ThrottlerStorage,
    private readonly local: ThrottlerStorageService,
    private readonly options: FallbackOptions,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      if (this.options.isAvailable?.() === false) throw new SharedStorageUnavailable('Redis connection is down');
      return await this.withinTimeout(this.shared.increment(key, ttl, limit, blockDuration, throttlerName));
    } catch (error) {
      this.warn(error);
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }

  private withinTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SharedStorageUnavailable(`no answer from Redis within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    // A late answer still counted in Redis; only this request stops waiting for it.
    promise.catch(() => undefined);
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) {
      this.suppressed += 1;
      return;
    }
    const err = error instanceof SharedStorageUnavailable ? { message: error.message } : error;
    this.logger.warn(
      { err, suppressed: this.suppressed },
      'Redis unreachable: rate limits counted in this process only (per instance, not for the fleet) until it returns',
    );
    this.lastWarning = now;
    this.suppressed = 0;
  }
}
