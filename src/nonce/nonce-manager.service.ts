import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { type Address, getAddress } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../chain/chain.clients';
import { findOpenBreaker } from '../circuit-breaker/circuit-breaker.errors';
import { delay } from '../common/delay';
import { AppConfigService } from '../config/app-config.service';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { NonceError } from './nonce.errors';
import { NONCE_STORE, type NonceStore } from './nonce.store';

/** How long a reservation may stay unpersisted before reconciliation presumes it lost. */
export const NONCE_LEASE_MS = 5_000;
const LOCK_TTL_MS = 15_000;
const INIT_ATTEMPTS = 50;
const INIT_RETRY_MS = 20;
/** Why a counter was moved other than by handing out nonces: "nonce too low", holes recycled, an operator. */
const RESYNC_REASONS = ['chain_sync', 'reconcile', 'operator'];

export interface ChainNonces {
  /** Nonce of the next transaction to be mined: everything below is final. */
  latest: bigint;
  /** Including the node's mempool. */
  pending: bigint;
}

export interface NonceStatus {
  address: Address;
  chainId: number;
  /** Next never-used nonce in the store; `null` before first use. */
  counter: bigint | null;
  recycled: bigint[];
  chain: ChainNonces;
  /** Nonces handed out above the chain's mined count, broadcast or not. */
  ahead: bigint;
  /** Nonces of stored transactions not yet mined. */
  inFlight: bigint[];
  /** Nonces in [chain latest, counter) held by nothing. */
  gaps: bigint[];
}

/**
 * Hands out nonces for the service's sending wallets so that any number of processes can
 * send concurrently without two transactions ever sharing one, and without a lost
 * reservation stalling everything behind it.
 *
 * - `reserve` is one atomic store round trip on the hot path; the first use of a wallet
 *   initialises its counter from the chain's pending count under a lock.
 * - The chain is a floor, never a ceiling: `syncFromChain` raises the counter after "nonce
 *   too low", and never lowers it (a counter ahead of the chain may hold in-flight nonces).
 * - `reconcile` finds nonces handed out but never persisted (a process died between reserve
 *   and store) and recycles them, so later transactions do not wait behind a hole.
 */
@Injectable()
export class NonceManager {
  private readonly logger = new Logger(NonceManager.name);
  private readonly chainId: number;
  private storedNonces: (address: Address) => Promise<readonly bigint[]> = async () => [];
  private readonly reservations: Counter;
  private readonly resyncs: Counter<'reason'>;

  constructor(
    @Inject(NONCE_STORE) private readonly store: NonceStore,
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    config: AppConfigService,
    // Absent for a read-only manager built by hand (the health probe's): it counts into nothing.
    @Optional() metrics?: MetricsRegistry,
  ) {
    this.chainId = config.get('chain').chainId;
    const registers = metrics === undefined ? [] : [metrics];
    this.reservations = new Counter({
      name: 'haven_nonce_reservations_total',
      help: 'Nonces this instance handed out to senders, fresh or recycled',
      registers,
    });
    this.resyncs = new Counter({
      name: 'haven_nonce_resyncs_total',
      help: 'Nonce counters moved by this instance other than by reservations: chain_sync (after "nonce too low"), reconcile (lost reservations recycled), operator (rebuilt on request)',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of RESYNC_REASONS) this.resyncs.inc({ reason }, 0);
  }

  /**
   * Tells the manager how to read, from storage, the nonces of a wallet's stored and
   * unfinished transactions. A counter lost with Redis must not restart below nonces that
   * are signed and stored but not yet in the chain's pending count; status reports them.
   */
  useStoredNonces(read: (address: Address) => Promise<readonly bigint[]>): void {
    this.storedNonces = read;
  }

  async reserve(address: Address): Promise<bigint> {
    const wallet = this.walletKey(address);
    for (let attempt = 0; attempt < INIT_ATTEMPTS; attempt++) {
      const nonce = await this.store.reserve(wallet);
      if (nonce !== null) {
        this.reservations.inc();
        return nonce;
      }
      // First use (or after a reset): one process reads the chain, the others retry.
      await this.store.withLock(wallet, LOCK_TTL_MS, async () => {
        if ((await this.store.snapshot(wallet)).next === null) await this.store.initialize(wallet, await this.initialCounter(address));
      });
      if (attempt > 0) await delay(INIT_RETRY_MS);
    }
    throw new NonceError('Nonce counter could not be initialised', { address });
  }

  /** Takes the lowest recycled nonce below `ceiling`, to fill a hole nothing else will. */
  async takeRecycledBelow(address: Address, ceiling: bigint): Promise<bigint | null> {
    const nonce = await this.store.takeRecycledBelow(this.walletKey(address), ceiling);
    if (nonce !== null) this.reservations.inc();
    return nonce;
  }

  /** Gives back nonces that will not be broadcast (signing failed, request withdrawn). */
  async release(address: Address, nonces: readonly bigint[]): Promise<void> {
    await this.store.recycle(this.walletKey(address), nonces);
  }

  /**
   * Takes nonces back out of the recycled set, for a sender whose store committed after its
   * lease: reconciliation may have recycled them meanwhile. Returns how many it found there.
   */
  async withdrawRecycled(address: Address, nonces: readonly bigint[]): Promise<number> {
    const found = await this.store.withdrawRecycled(this.walletKey(address), nonces);
    this.logger.warn({ address, nonces: nonces.map(String), found }, 'nonces stored after their lease; withdrawn from the recycled set');
    return found;
  }

  /**
   * After "nonce too low": the chain moved past the counter (another sender, a reset).
   * Raises an existing counter only; a missing one is rebuilt by the next reservation,
   * which also counts the stored nonces. `null` when there was no counter.
   */
  async syncFromChain(address: Address): Promise<bigint | null> {
    const { pending } = await this.chainNonces(address);
    const next = await this.store.raiseFloor(this.walletKey(address), pending);
    this.resyncs.inc({ reason: 'chain_sync' });
    this.logger.warn({ address, pending: pending.toString(), next: next?.toString() ?? null }, 'nonce counter synced from chain');
    return next;
  }

  /**
   * Recycles nonces in [chain latest, counter) that no stored transaction holds.
   * `persisted()` must return the nonces of this wallet's stored transactions not yet
   * known final; it is read twice, `NONCE_LEASE_MS` apart, so a reservation still on its
   * way to the database is never taken for a hole. Senders discard a reservation they could
   * not persist within the lease. Returns the recycled nonces.
   */
  async reconcile(
    address: Address,
    persisted: () => Promise<readonly bigint[]>,
    { leaseMs = NONCE_LEASE_MS }: { leaseMs?: number } = {},
  ): Promise<bigint[]> {
    const wallet = this.walletKey(address);
    // No counter, nothing handed out: no hole to find, and the first reservation will
    // initialise the counter from the chain's pending count.
    if ((await this.store.snapshot(wallet)).next === null) return [];
    const result = await this.store.withLock(wallet, LOCK_TTL_MS + leaseMs, async () => {
      const { latest } = await this.chainNonces(address);
      const next = await this.store.raiseFloor(wallet, latest);
      // Lost (Redis restarted, key evicted) since the check above: nothing to reconcile.
      if (next === null) return [];
      const before = await this.store.snapshot(wallet);
      const candidates = this.unheld(latest, next, before.recycled, await persisted());
      if (candidates.length === 0) return [];
      await delay(leaseMs);
      const held = await persisted();
      // Read after `persisted()`: a nonce stored, sent and settled during the lease has left
      // the held list but is below the chain's mined count by now, so it is used, not a hole.
      const { latest: minedNow } = await this.chainNonces(address);
      const stillMissing = this.unheld(minedNow > latest ? minedNow : latest, next, before.recycled, held);
      const lost = candidates.filter((nonce) => stillMissing.includes(nonce));
      await this.store.recycle(wallet, lost);
      if (lost.length > 0) {
        this.resyncs.inc({ reason: 'reconcile' });
        this.logger.warn({ address, nonces: lost.map(String) }, 'recycled nonces reserved but never stored');
      }
      return lost;
    });
    return result ?? [];
  }

  async status(address: Address): Promise<NonceStatus> {
    const [snapshot, chain, stored] = await Promise.all([
      this.store.snapshot(this.walletKey(address)),
      this.chainNonces(address),
      this.storedNonces(address),
    ]);
    const inFlight = stored.filter((nonce) => nonce >= chain.latest).sort((a, b) => (a < b ? -1 : 1));
    return {
      address: getAddress(address),
      chainId: this.chainId,
      counter: snapshot.next,
      recycled: snapshot.recycled,
      chain,
      ahead: snapshot.next === null || snapshot.next < chain.latest ? 0n : snapshot.next - chain.latest,
      inFlight,
      // Handed out, yet neither stored, recycled nor mined: a reservation on its way to the
      // database, or lost with its process (reconcile recycles those after the lease).
      gaps: snapshot.next === null ? [] : this.unheld(chain.latest, snapshot.next, snapshot.recycled, inFlight),
    };
  }

  /**
   * Rebuilds the counter from the chain's pending count and the stored transactions, for an
   * operator after drift. Safe while sending: under the wallet lock, the counter is cleared
   * (new reservations wait for the lock), then the lease is waited out, so every nonce
   * handed out before the clear is either stored (and counted) or abandoned by its sender.
   */
  async resync(address: Address, { leaseMs = NONCE_LEASE_MS }: { leaseMs?: number } = {}): Promise<NonceStatus> {
    const wallet = this.walletKey(address);
    const rebuilt = await this.store.withLock(wallet, LOCK_TTL_MS + leaseMs, async () => {
      const before = await this.store.snapshot(wallet);
      await this.store.clear(wallet);
      await delay(leaseMs);
      const next = await this.store.initialize(wallet, await this.initialCounter(address));
      return { before: before.next, next };
    });
    if (rebuilt === null) throw new NonceError('The nonce counter is locked by reconciliation; retry in a few seconds', { address });
    this.resyncs.inc({ reason: 'operator' });
    this.logger.warn({ address, before: rebuilt.before?.toString() ?? null, next: rebuilt.next.toString() }, 'nonce counter rebuilt');
    return this.status(address);
  }

  /** Forgets the counter; the next reservation re-reads the chain. For operators and tests. */
  async reset(address: Address): Promise<void> {
    await this.store.clear(this.walletKey(address));
  }

  async chainNonces(address: Address): Promise<ChainNonces> {
    try {
      const [latest, pending] = await Promise.all([
        this.client.getTransactionCount({ address, blockTag: 'latest' }),
        this.client.getTransactionCount({ address, blockTag: 'pending' }),
      ]);
      return { latest: BigInt(latest), pending: BigInt(pending) };
    } catch (error) {
      // An open breaker is its own, clearer answer (503 with a retry time).
      const open = findOpenBreaker(error);
      if (open) throw open;
      throw new NonceError('Could not read the nonce from the chain', { address, cause: (error as Error).name });
    }
  }

  /** Where a fresh counter starts: above the chain's pending count and every stored nonce. */
  private async initialCounter(address: Address): Promise<bigint> {
    const [{ pending }, stored] = await Promise.all([this.chainNonces(address), this.storedNonces(address)]);
    const aboveStored = stored.reduce((floor, nonce) => (nonce + 1n > floor ? nonce + 1n : floor), 0n);
    return pending > aboveStored ? pending : aboveStored;
  }

  private unheld(from: bigint, to: bigint, recycled: readonly bigint[], persisted: readonly bigint[]): bigint[] {
    const held = new Set([...recycled, ...persisted].map(String));
    const unheld: bigint[] = [];
    for (let nonce = from; nonce < to; nonce++) if (!held.has(nonce.toString())) unheld.push(nonce);
    return unheld;
  }

  private walletKey(address: Address): string {
    return `${this.chainId}:${address.toLowerCase()}`;
  }
}
