import { randomUUID } from 'node:crypto';

import type { SharedRedis } from '../redis/redis.connection';
import type { NonceSnapshot, NonceStore } from './nonce.store';

// Reserves ARGV[1] nonces in one round trip: the lowest recycled ones first, the rest from
// the counter. A missing counter yields fewer than asked; the callers left without one
// initialise it from the chain.
const RESERVE_MANY = `
local wanted = tonumber(ARGV[1])
local popped = redis.call('ZPOPMIN', KEYS[2], wanted)
local nonces = {}
for i = 1, #popped, 2 do nonces[#nonces + 1] = popped[i] end
local missing = wanted - #nonces
if missing == 0 then return nonces end
local next = redis.call('GET', KEYS[1])
if not next then return nonces end
redis.call('INCRBY', KEYS[1], missing)
local first = tonumber(next)
for i = 0, missing - 1 do nonces[#nonces + 1] = tostring(first + i) end
return nonces`;

// Raise-only: a counter ahead of the chain may be holding nonces already in flight. ARGV[2]
// = '1' creates a missing counter; otherwise a missing one stays missing, because a floor
// read from the chain alone may lie below nonces that are stored but not yet broadcast.
const RAISE_FLOOR = `
local next = redis.call('GET', KEYS[1])
if (not next) and ARGV[2] ~= '1' then return false end
if (not next) or tonumber(next) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
  next = ARGV[1]
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
return next`;

const TAKE_RECYCLED_BELOW = `
local lowest = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 1)
if lowest[1] then redis.call('ZREM', KEYS[1], lowest[1]) return lowest[1] end
return false`;

// Deletes the lock only if it is still ours (it may have expired and been taken over).
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface NonceCommands {
  nonceReserveMany(next: string, recycled: string, count: number): Promise<string[]>;
  nonceRaiseFloor(next: string, recycled: string, floor: string, create: '0' | '1'): Promise<string | null>;
  nonceUnlock(lock: string, token: string): Promise<number>;
  nonceTakeRecycledBelow(recycled: string, ceiling: string): Promise<string | null>;
}

type Waiter = { resolve(nonce: bigint | null): void; reject(error: unknown): void };

/**
 * Nonce counters shared by every instance through Redis; see `NonceStore`.
 *
 * Reservations for one wallet made in the same event-loop turn share one script call: a
 * busy sender asks for many nonces at once, and one round trip and one Lua run for all of
 * them is what keeps reservation cheaper than a bare INCR per nonce (docs/benchmarks.md).
 * Every nonce taken goes to a caller already waiting, so nothing is reserved ahead.
 */
export class RedisNonceStore implements NonceStore {
  private readonly redis: SharedRedis & NonceCommands;
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(redis: SharedRedis) {
    redis.defineCommand('nonceReserveMany', { numberOfKeys: 2, lua: RESERVE_MANY });
    redis.defineCommand('nonceRaiseFloor', { numberOfKeys: 2, lua: RAISE_FLOOR });
    redis.defineCommand('nonceUnlock', { numberOfKeys: 1, lua: UNLOCK });
    redis.defineCommand('nonceTakeRecycledBelow', { numberOfKeys: 1, lua: TAKE_RECYCLED_BELOW });
    this.redis = redis as SharedRedis & NonceCommands;
  }

  reserve(wallet: string): Promise<bigint | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(wallet);
      if (waiters !== undefined) return void waiters.push({ resolve, reject });
      this.waiting.set(wallet, [{ resolve, reject }]);
      setImmediate(() => void this.reserveFor(wallet));
    });
  }

  private async reserveFor(wallet: string): Promise<void> {
    const waiters = this.waiting.get(wallet)!;
    this.waiting.delete(wallet);
    try {
      const nonces = await this.redis.nonceReserveMany(keys(wallet).next, keys(wallet).recycled, waiters.length);
      waiters.forEach((waiter, i) => waiter.resolve(i < nonces.length ? BigInt(nonces[i]) : null));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  async takeRecycledBelow(wallet: string, ceiling: bigint): Promise<bigint | null> {
    const nonce = await this.redis.nonceTakeRecycledBelow(keys(wallet).recycled, ceiling.toString());
    return nonce === null ? null : BigInt(nonce);
  }

  async recycle(wallet: string, nonces: readonly bigint[]): Promise<void> {
    if (nonces.length === 0) return;
    await this.redis.zadd(keys(wallet).recycled, ...nonces.flatMap((nonce) => [nonce.toString(), nonce.toString()]));
  }

  async raiseFloor(wallet: string, floor: bigint): Promise<bigint | null> {
    const next = await this.redis.nonceRaiseFloor(keys(wallet).next, keys(wallet).recycled, floor.toString(), '0');
    return next === null ? null : BigInt(next);
  }

  async initialize(wallet: string, floor: bigint): Promise<bigint> {
    return BigInt((await this.redis.nonceRaiseFloor(keys(wallet).next, keys(wallet).recycled, floor.toString(), '1'))!);
  }

  async withdrawRecycled(wallet: string, nonces: readonly bigint[]): Promise<number> {
    if (nonces.length === 0) return 0;
    return this.redis.zrem(keys(wallet).recycled, ...nonces.map(String));
  }

  async snapshot(wallet: string): Promise<NonceSnapshot> {
    const [[, next], [, recycled]] = (await this.redis.multi().get(keys(wallet).next).zrange(keys(wallet).recycled, 0, -1).exec()) as [
      [null, string | null],
      [null, string[]],
    ];
    return { next: next === null ? null : BigInt(next), recycled: recycled.map(BigInt) };
  }

  async withLock<T>(wallet: string, ttlMs: number, fn: () => Promise<T>): Promise<T | null> {
    const token = randomUUID();
    const lock = keys(wallet).lock;
    if ((await this.redis.set(lock, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
    try {
      return await fn();
    } finally {
      await this.redis.nonceUnlock(lock, token);
    }
  }

  async clear(wallet: string): Promise<void> {
    await this.redis.del(keys(wallet).next, keys(wallet).recycled);
  }
}

/**
 * One hash tag per wallet keeps its keys in one Redis Cluster slot, as a script (and MULTI)
 * touching several keys requires there. The connection's prefix goes before the tag, which
 * is fine: only the part inside the braces is hashed, and it is the same for all three.
 */
function keys(wallet: string) {
  const base = `nonce:{${wallet}}`;
  return { next: `${base}:next`, recycled: `${base}:recycled`, lock: `${base}:lock` };
}
