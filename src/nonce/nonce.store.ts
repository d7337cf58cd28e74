/**
 * Where a wallet's nonce counter lives. Two implementations with one contract: Redis for
 * any number of processes, memory for a single development process.
 *
 * Per wallet the store keeps `next` (the lowest nonce never handed out) and `recycled`
 * (nonces handed out but never broadcast, to be handed out again, lowest first).
 */
export interface NonceStore {
  /** The lowest recycled nonce, else `next` (then incremented); `null` if the wallet has no counter yet. */
  reserve(wallet: string): Promise<bigint | null>;
  /** Pops the lowest recycled nonce if it is below `ceiling`. */
  takeRecycledBelow(wallet: string, ceiling: bigint): Promise<bigint | null>;
  /** Returns unused nonces for reuse. Idempotent: a nonce is held once however often it is returned. */
  recycle(wallet: string, nonces: readonly bigint[]): Promise<void>;
  /**
   * Raises an existing `next` to at least `floor` (never lowers it) and forgets recycled
   * nonces below `floor`. A missing counter stays missing (`null`): only `initialize`, which
   * knows the stored nonces, may create one.
   */
  raiseFloor(wallet: string, floor: bigint): Promise<bigint | null>;
  /** Creates the counter at `floor`, or raises an existing one to it. */
  initialize(wallet: string, floor: bigint): Promise<bigint>;
  /** Takes these nonces out of the recycled set; how many were there. */
  withdrawRecycled(wallet: string, nonces: readonly bigint[]): Promise<number>;
  snapshot(wallet: string): Promise<NonceSnapshot>;
  /** Runs `fn` while holding the wallet's lock (initialisation, reconciliation); `null` if busy. */
  withLock<T>(wallet: string, ttlMs: number, fn: () => Promise<T>): Promise<T | null>;
  /** Test and operator use: forget the wallet's counter so the next reserve re-reads the chain. */
  clear(wallet: string): Promise<void>;
}

export interface NonceSnapshot {
  next: bigint | null;
  recycled: bigint[];
}

export const NONCE_STORE = Symbol('NONCE_STORE');
