import type { NonceSnapshot, NonceStore } from './nonce.store';

/**
 * The same contract as `RedisNonceStore`, held in this process: for a single development
 * instance without Redis. Every method is synchronous inside, so calls cannot interleave.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly next = new Map<string, bigint>();
  private readonly recycled = new Map<string, Set<bigint>>();
  private readonly locks = new Set<string>();

  async reserve(wallet: string): Promise<bigint | null> {
    const recycled = this.recycled.get(wallet);
    if (recycled !== undefined && recycled.size > 0) {
      const lowest = [...recycled].reduce((a, b) => (b < a ? b : a));
      recycled.delete(lowest);
      return lowest;
    }
    const next = this.next.get(wallet);
    if (next === undefined) return null;
    this.next.set(wallet, next + 1n);
    return next;
  }

  async takeRecycledBelow(wallet: string, ceiling: bigint): Promise<bigint | null> {
    const candidates = [...(this.recycled.get(wallet) ?? [])].filter((nonce) => nonce < ceiling);
    if (candidates.length === 0) return null;
    const lowest = candidates.reduce((a, b) => (b < a ? b : a));
    this.recycled.get(wallet)!.delete(lowest);
    return lowest;
  }

  async recycle(wallet: string, nonces: readonly bigint[]): Promise<void> {
    const recycled = this.recycled.get(wallet) ?? new Set<bigint>();
    for (const nonce of nonces) recycled.add(nonce);
    this.recycled.set(wallet, recycled);
  }

  async raiseFloor(wallet: string, floor: bigint): Promise<bigint | null> {
    if (!this.next.has(wallet)) return null;
    return this.initialize(wallet, floor);
  }

  async withdrawRecycled(wallet: string, nonces: readonly bigint[]): Promise<number> {
    const recycled = this.recycled.get(wallet);
    return nonces.filter((nonce) => recycled?.delete(nonce) === true).length;
  }

  async initialize(wallet: string, floor: bigint): Promise<bigint> {
    const next = this.next.get(wallet);
    if (next === undefined || next < floor) this.next.set(wallet, floor);
    for (const nonce of this.recycled.get(wallet) ?? []) if (nonce < floor) this.recycled.get(wallet)!.delete(nonce);
    return this.next.get(wallet)!;
  }

  async snapshot(wallet: string): Promise<NonceSnapshot> {
    return {
      next: this.next.get(wallet) ?? null,
      recycled: [...(this.recycled.get(wallet) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  }

  async withLock<T>(wallet: string, _ttlMs: number, fn: () => Promise<T>): Promise<T | null> {
    if (this.locks.has(wallet)) return null;
    this.locks.add(wallet);
    try {
      return await fn();
    } finally {
      this.locks.delete(wallet);
    }
  }

  async clear(wallet: string): Promise<void> {
    this.next.delete(wallet);
    this.recycled.delete(wallet);
  }
}
