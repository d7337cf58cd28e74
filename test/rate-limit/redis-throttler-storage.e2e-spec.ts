import { randomUUID } from 'node:crypto';

import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

import { FallbackThrottlerStorage } from '../../src/rate-limit/fallback-throttler.storage';
import { rateLimitStorage } from '../../src/rate-limit/rate-limit.module';
import { RedisThrottlerStorage } from '../../src/rate-limit/redis-throttler.storage';
import { TEST_REDIS_URL } from '../support/config';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The storage's script against a real Redis: counts, windows and blocks as the throttler reads them. */
describe('RedisThrottlerStorage', () => {
  const prefix = `haven-test:${process.pid}:${randomUUID().slice(0, 8)}:`;
  let redis: Redis;
  let other: Redis;
  let raw: Redis;
  let storage: RedisThrottlerStorage;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
    other = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
    raw = new Redis(TEST_REDIS_URL);
    storage = new RedisThrottlerStorage(redis);
  });

  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await Promise.all([redis.quit(), other.quit(), raw.quit()]);
  });

  const key = () => `admin:ip:${randomUUID()}`;

  it('counts hits in a window that starts with the first and reports the time it has left', async () => {
    const k = key();
    const first = await storage.increment(k, 60_000, 3, 0, 'admin');
    await sleep(1100);
    const second = await storage.increment(k, 60_000, 3, 0, 'admin');

    expect(first).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    // The window is not renewed by later hits.
    expect(second).toMatchObject({ totalHits: 2, isBlocked: false, timeToBlockExpire: 0 });
    expect(second.timeToExpire).toBeLessThan(60);
    expect(second.timeToExpire).toBeGreaterThanOrEqual(58);
  });

  it('refuses past the limit until the window ends, when there is no block duration', async () => {
    const k = key();
    const records = [];
    for (let i = 0; i < 5; i++) records.push(await storage.increment(k, 60_000, 3, 0, 'admin'));

    expect(records.map((record) => record.totalHits)).toEqual([1, 2, 3, 4, 5]);
    expect(records.map((record) => record.isBlocked)).toEqual([false, false, false, true, true]);
    expect(records[4].timeToBlockExpire).toBe(60);
  });

  it('keeps its keys under the connection prefix, in ratelimit: with the caller as hash tag, expiring with the window', async () => {
    const k = key();
    await storage.increment(k, 60_000, 3, 0, 'admin');

    expect(await raw.get(`${prefix}ratelimit:{${k}}`)).toBe('1');
    const ttl = await raw.pttl(`${prefix}ratelimit:{${k}}`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  // Windows and blocks here are real Redis expiries, long enough that a loaded machine (CI runs
  // two suites at once on two cores) cannot let one lapse between calls meant to share it.
  it('starts a new window from zero once the last one expired', async () => {
    const k = key();
    const hits = await Promise.all(Array.from({ length: 4 }, () => storage.increment(k, 1000, 2, 0, 'admin')));
    expect(hits.filter((hit) => hit.isBlocked)).toHaveLength(2);

    await sleep(1100);

    expect(await raw.exists(`${prefix}ratelimit:{${k}}`)).toBe(0);
    expect(await storage.increment(k, 300, 2, 0, 'admin')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('holds a block for its duration without counting the refused hits, then counts again', async () => {
    const k = key();
    const hits = await Promise.all(Array.from({ length: 3 }, () => storage.increment(k, 1000, 2, 3000, 'admin')));
    expect(hits.find((hit) => hit.isBlocked)).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 3 });

    // The window is over, the block is not: still refused, and not counted.
    await sleep(1100);
    const stillBlocked = await storage.increment(k, 1000, 2, 3000, 'admin');
    expect(stillBlocked).toMatchObject({ totalHits: 0, isBlocked: true });
    expect(stillBlocked.timeToBlockExpire).toBeGreaterThan(0);
    expect(await raw.exists(`${prefix}ratelimit:{${k}}`)).toBe(0);

    await sleep(2000);
    expect(await storage.increment(k, 1000, 2, 3000, 'admin')).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('is atomic across connections: exactly the limit gets through a concurrent burst', async () => {
    const k = key();
    const second = new RedisThrottlerStorage(other);
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? storage : second).increment(k, 60_000, 50, 0, 'admin')),
    );

    expect(records.filter((record) => !record.isBlocked)).toHaveLength(50);
    expect(new Set(records.map((record) => record.totalHits)).size).toBe(200);
    expect(records.filter((record) => record.isBlocked).every((record) => record.timeToBlockExpire > 0)).toBe(true);
  });

  it('keeps separate counts for separate keys', async () => {
    const [a, b] = [key(), key()];
    for (let i = 0; i < 3; i++) await storage.increment(a, 60_000, 3, 0, 'admin');

    expect((await storage.increment(a, 60_000, 3, 0, 'admin')).isBlocked).toBe(true);
    expect(await storage.increment(b, 60_000, 3, 0, 'admin')).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});

describe('the rate-limit storage over a Redis that is down', () => {
  it('counts in process at once, so the limit still holds and no request waits', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    // Nothing listens on port 1: the connection keeps failing and reconnecting.
    const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, retryStrategy: () => 50, disconnectTimeout: 10 });
    dead.on('error', () => undefined);
    const storage = rateLimitStorage(dead, 5000) as FallbackThrottlerStorage;
    expect(storage).toBeInstanceOf(FallbackThrottlerStorage);
    try {
      const started = Date.now();
      const records = [];
      for (let i = 0; i < 4; i++) records.push(await storage.increment('admin:ip:203.0.113.9', 60_000, 3, 0, 'admin'));

      expect(records.map((record) => record.isBlocked)).toEqual([false, false, false, true]);
      expect(Date.now() - started).toBeLessThan(4 * 1000);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
      storage.onApplicationShutdown();
      dead.disconnect();
    }
  });
});
