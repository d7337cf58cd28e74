import type { ThrottlerStorage } from '@nestjs/throttler';

import type { SharedRedis } from '../redis/redis.connection';

/** What @nestjs/throttler expects back from `ThrottlerStorage.increment`. */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/*
 * A fixed window per key, counted and timed by Redis alone (so every instance shares one
 * count and one clock), in one script: nothing can run between the increment and the expiry.
 *   KEYS[1] the window's hit counter   KEYS[2] the block marker
 *   ARGV    window (ms), limit, block duration (ms; 0: refuse only until the window ends)
 * Returns { hits, window left (ms), blocked 0/1, block left (ms) }.
 * While blocked, requests are refused without being counted. After a block, a window still
 * over its limit blocks again; a fresh window starts from zero.
 */
const INCREMENT = `
local window, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return { hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blocked }
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  left = window
end
if hits <= limit then
  return { hits, left, 0, 0 }
end
if block > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return { hits, left, 1, block }
end
return { hits, left, 1, left }
`;

type IncrementReply = [number, number, number, number];

interface RateLimitCommands {
  havenRateLimitIncrement(hitsKey: string, blockKey: string, windowMs: number, limit: number, blockMs: number): Promise<IncrementReply>;
}

/** Whole seconds, rounded up: what `Retry-After` and the throttler's records carry. */
const toSeconds = (ms: number): number => Math.ceil(Math.max(0, ms) / 1000);

/**
 * Throttler storage shared by every instance through Redis. Keys live under the connection's
 * prefix, as `ratelimit:{<key>}` (the key is the hash tag); each expires with its window, so idle
 * callers leave nothing behind.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  static readonly NAMESPACE = 'ratelimit:';
  private readonly commands: RateLimitCommands;

  constructor(redis: SharedRedis) {
    if (!('havenRateLimitIncrement' in redis)) redis.defineCommand('havenRateLimitIncrement', { numberOfKeys: 2, lua: INCREMENT });
    this.commands = redis as unknown as RateLimitCommands;
  }

  /** `ttl` and `blockDuration` in milliseconds, as the throttler passes them; the key already names its throttler. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, _throttlerName: string): Promise<ThrottlerStorageRecord> {
    // The caller's key as hash tag: counter and block marker stay in one Redis Cluster slot.
    const hitsKey = `${RedisThrottlerStorage.NAMESPACE}{${key}}`;
    const [hits, left, blocked, blockLeft] = await this.commands.havenRateLimitIncrement(
      hitsKey,
      `${hitsKey}:blocked`,
      Math.max(1, Math.round(ttl)),
      limit,
      Math.max(0, Math.round(blockDuration)),
    );
    return {
      totalHits: Number(hits),
      timeToExpire: toSeconds(Number(left)),
      isBlocked: Number(blocked) === 1,
      timeToBlockExpire: toSeconds(Number(blockLeft)),
    };
  }
}
