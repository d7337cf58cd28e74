import { Logger } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

import { FallbackThrottlerStorage } from './fallback-throttler.storage';

const WINDOW_MS = 60_000;

describe('FallbackThrottlerStorage', () => {
  let local: ThrottlerStorageService;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    local = new ThrottlerStorageService();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    local.onApplicationShutdown();
    warn.mockRestore();
  });

  const hit = (storage: ThrottlerStorage, limit = 3) => storage.increment('admin:ip:203.0.113.7', WINDOW_MS, limit, 0, 'admin');

  it('answers with the shared count while it works', async () => {
    const shared = { increment: jest.fn(async () => ({ totalHits: 7, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 })) };
    const storage = new FallbackThrottlerStorage(shared, local, { timeoutMs: 1000 });

    expect(await hit(storage)).toEqual({ totalHits: 7, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 });
    expect(shared.increment).toHaveBeenCalledWith('admin:ip:203.0.113.7', WINDOW_MS, 3, 0, 'admin');
    expect(warn).not.toHaveBeenCalled();
  });

  it('counts in process when Redis fails: the limit still holds, and one warning says so', async () => {
    const shared = { increment: jest.fn(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))) };
    const storage = new FallbackThrottlerStorage(shared, local, { timeoutMs: 1000 });

    const records = [];
    for (let i = 0; i < 5; i++) records.push(await hit(storage));

    expect(records.map((record) => record.isBlocked)).toEqual([false, false, false, true, true]);
    expect(records[3].timeToBlockExpire).toBeGreaterThan(0);
    expect(shared.increment).toHaveBeenCalledTimes(5);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('does not wait on a Redis that does not answer', async () => {
    const shared = { increment: jest.fn(() => new Promise<never>(() => undefined)) };
    const storage = new FallbackThrottlerStorage(shared, local, { timeoutMs: 50 });

    const started = Date.now();
    expect((await hit(storage)).totalHits).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('goes straight to the local count while the connection is known to be down', async () => {
    const shared = { increment: jest.fn() };
    const storage = new FallbackThrottlerStorage(shared, local, { timeoutMs: 1000, isAvailable: () => false });

    expect((await hit(storage)).totalHits).toBe(1);
    expect(shared.increment).not.toHaveBeenCalled();
  });
});
