import Redis from 'ioredis';

import { MemoryNonceStore } from '../../src/nonce/memory-nonce.store';
import type { NonceStore } from '../../src/nonce/nonce.store';
import { RedisNonceStore } from '../../src/nonce/redis-nonce.store';
import { TEST_REDIS_URL } from '../support/config';

/** Both stores honour one contract; the same specification runs against each. */
const stores: Array<[string, () => { store: NonceStore; close: () => Promise<void> }]> = [
  ['MemoryNonceStore', () => ({ store: new MemoryNonceStore(), close: async () => undefined })],
  [
    'RedisNonceStore',
    () => {
      const redis = new Redis(TEST_REDIS_URL, { keyPrefix: `haven-test:${process.pid}:${Date.now()}:` });
      return { store: new RedisNonceStore(redis), close: async () => void (await redis.quit()) };
    },
  ],
];

describe.each(stores)('%s', (_name, make) => {
  let store: NonceStore;
  let close: () => Promise<void>;
  const wallet = '31337:0xabc';

  beforeEach(() => ({ store, close } = make()));
  afterEach(() => close());

  it('has no counter until initialised, so the first reservation reads the chain', async () => {
    expect(await store.reserve(wallet)).toBeNull();
    expect(await store.snapshot(wallet)).toEqual({ next: null, recycled: [] });
  });

  it('hands out consecutive nonces from the floor', async () => {
    await store.initialize(wallet, 7n);

    expect([await store.reserve(wallet), await store.reserve(wallet), await store.reserve(wallet)]).toEqual([7n, 8n, 9n]);
    expect((await store.snapshot(wallet)).next).toBe(10n);
  });

  it('never hands out the same nonce twice under concurrency', async () => {
    await store.initialize(wallet, 0n);
    const nonces = await Promise.all(Array.from({ length: 500 }, () => store.reserve(wallet)));

    expect(new Set(nonces.map(String)).size).toBe(500);
    expect(nonces.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('reuses recycled nonces first, lowest first, each once', async () => {
    await store.initialize(wallet, 10n);
    await store.recycle(wallet, [4n, 2n]);
    await store.recycle(wallet, [2n]);

    expect([await store.reserve(wallet), await store.reserve(wallet), await store.reserve(wallet)]).toEqual([2n, 4n, 10n]);
  });

  it('serves concurrent reservations from recycled nonces first, then the counter', async () => {
    await store.initialize(wallet, 10n);
    await store.recycle(wallet, [4n, 2n]);
    const nonces = await Promise.all(Array.from({ length: 5 }, () => store.reserve(wallet)));

    expect([...nonces].sort((a, b) => Number(a! - b!))).toEqual([2n, 4n, 10n, 11n, 12n]);
  });

  it('hands out recycled nonces even before the counter exists, and null to the rest', async () => {
    await store.recycle(wallet, [7n]);
    const nonces = await Promise.all([store.reserve(wallet), store.reserve(wallet)]);

    expect(nonces.filter((nonce) => nonce !== null)).toEqual([7n]);
    expect(nonces.filter((nonce) => nonce === null)).toHaveLength(1);
  });

  it('takes a recycled nonce only below the ceiling, for filling holes', async () => {
    await store.initialize(wallet, 10n);
    await store.recycle(wallet, [6n, 3n]);

    expect(await store.takeRecycledBelow(wallet, 3n)).toBeNull();
    expect(await store.takeRecycledBelow(wallet, 7n)).toBe(3n);
    expect(await store.takeRecycledBelow(wallet, 7n)).toBe(6n);
    expect(await store.takeRecycledBelow(wallet, 7n)).toBeNull();
  });

  it('only raises the floor, and forgets recycled nonces the chain has passed', async () => {
    await store.initialize(wallet, 20n);
    await store.recycle(wallet, [12n, 25n]);

    expect(await store.raiseFloor(wallet, 15n)).toBe(20n);
    expect(await store.snapshot(wallet)).toEqual({ next: 20n, recycled: [25n] });
    expect(await store.raiseFloor(wallet, 30n)).toBe(30n);
    expect((await store.snapshot(wallet)).recycled).toEqual([]);
  });

  it('never creates a missing counter when raising the floor: only initialisation, which counts stored nonces, may', async () => {
    await store.recycle(wallet, [3n]);

    expect(await store.raiseFloor(wallet, 5n)).toBeNull();
    expect(await store.snapshot(wallet)).toEqual({ next: null, recycled: [3n] });
    expect(await store.initialize(wallet, 9n)).toBe(9n);
    expect(await store.initialize(wallet, 4n)).toBe(9n);
  });

  it('withdraws nonces from the recycled set and says how many were there', async () => {
    await store.initialize(wallet, 10n);
    await store.recycle(wallet, [4n, 6n]);

    expect(await store.withdrawRecycled(wallet, [4n, 5n])).toBe(1);
    expect((await store.snapshot(wallet)).recycled).toEqual([6n]);
  });

  it('lets one holder at a time take the wallet lock', async () => {
    let inner: string | null = 'not run';
    const outer = await store.withLock(wallet, 5_000, async () => {
      inner = await store.withLock(wallet, 5_000, async () => 'second');
      return 'first';
    });

    expect(outer).toBe('first');
    expect(inner).toBeNull();
    expect(await store.withLock(wallet, 5_000, async () => 'again')).toBe('again');
  });

  it('forgets a wallet on clear', async () => {
    await store.initialize(wallet, 3n);
    await store.recycle(wallet, [1n]);
    await store.clear(wallet);

    expect(await store.snapshot(wallet)).toEqual({ next: null, recycled: [] });
  });
});
