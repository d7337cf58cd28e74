import { Logger } from '@nestjs/common';

import { ScrapeRead } from './scrape-read';

describe('ScrapeRead', () => {
  const logger = new Logger('test');
  let warn: jest.SpyInstance<void, [message: unknown, ...rest: unknown[]]>;
  beforeEach(() => {
    warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  });

  it('reads once for every scrape within the time to live, and again after it', async () => {
    let reads = 0;
    let now = 1_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const figure = new ScrapeRead('a figure', async () => ++reads, { ttlMs: 5_000, timeoutMs: 1_000 }, logger);

    expect(await Promise.all([figure.get(), figure.get()])).toEqual([1, 1]);
    now += 4_999;
    expect(await figure.get()).toBe(1);
    now += 1;
    expect(await figure.get()).toBe(2);
    expect(reads).toBe(2);
  });

  it('serves the last figure when a read fails, and says so once until one succeeds', async () => {
    let now = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const answers: Array<() => Promise<number>> = [
      async () => 7,
      () => Promise.reject(new Error('down')),
      () => Promise.reject(new Error('down')),
    ];
    const figure = new ScrapeRead('a figure', () => answers.shift()!(), { ttlMs: 10, timeoutMs: 1_000 }, logger);

    for (const expected of [7, 7, 7]) {
      expect(await figure.get()).toBe(expected);
      now += 10;
    }
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('gives up on a read slower than the timeout: the scrape goes on without waiting for it', async () => {
    const figure = new ScrapeRead('a figure', () => new Promise<number>(() => undefined), { ttlMs: 5_000, timeoutMs: 20 }, logger);
    const startedAt = performance.now();

    expect(await figure.get()).toBeUndefined();
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][1]).toContain('could not read a figure');
  });

  afterEach(() => jest.restoreAllMocks());
});
