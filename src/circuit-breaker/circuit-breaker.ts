import { type BreakerSettings, type BreakerSnapshot, CLOSED } from './breaker-state';
import type { BreakerStateStore, BreakerUpdate } from './breaker-state.store';
import { CircuitBreakerOpenError } from './circuit-breaker.errors';

/** Decides whether an error means the dependency is failing (a revert or a 4xx does not). */
export type FailurePredicate = (error: unknown) => boolean;

export interface BreakerHooks {
  /** Every transition this instance performed (not the ones it merely heard of). */
  transition(name: string, update: BreakerUpdate): void;
  /** A call refused without being attempted. */
  rejection(name: string): void;
}

/** While another instance holds the half-open probe, refusals say to retry this soon. */
const PROBE_BUSY_RETRY_MS = 1_000;

/**
 * One named breaker as seen by this instance. It keeps a local copy of the shared state
 * (updated by its own transitions and by what other instances publish), so a call through
 * a closed breaker with no recent failure never waits on Redis: the hot path is one
 * comparison and the call itself. Failures, probes and recoveries go through the store.
 */
export class CircuitBreaker {
  private local: BreakerSnapshot = CLOSED;

  constructor(
    readonly name: string,
    readonly settings: BreakerSettings,
    private readonly store: BreakerStateStore,
    private isFailure: FailurePredicate,
    private readonly hooks: BreakerHooks,
  ) {}

  /** Sets which errors count against the dependency, for the module that owns the breaker. */
  classifyFailures(isFailure: FailurePredicate): void {
    this.isFailure = isFailure;
  }

  get snapshot(): BreakerSnapshot {
    return this.local;
  }

  /** When an open breaker will next let a probe through; `null` unless open. */
  get retryAt(): Date | null {
    const { state, openedAt } = this.local;
    return state === 'open' && openedAt !== null ? new Date(openedAt + this.settings.openTimeoutMs) : null;
  }

  /** True while this breaker would refuse a call without asking anyone: queued work should wait. */
  isRefusing(now = Date.now()): boolean {
    const retryAt = this.retryAt;
    return retryAt !== null && now < retryAt.getTime();
  }

  async execute<T>(call: () => Promise<T>): Promise<T> {
    let probing = false;
    if (this.local.state !== 'closed') probing = await this.admit();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (this.isFailure(error)) await this.record(this.store.failure(this.name, this.settings));
      else if (probing || this.local.failureCount > 0) await this.record(this.store.success(this.name, this.settings));
      throw error;
    }
    // The only Redis write on success: after failures, or while probing a half-open breaker.
    if (probing || this.local.failureCount > 0) await this.record(this.store.success(this.name, this.settings));
    return result;
  }

  /**
   * Adopts state published by any instance (including this one's echo). Messages and script
   * replies travel on different connections, so an older state can arrive after a newer
   * one: versions decide.
   */
  adopt(snapshot: BreakerSnapshot): void {
    if (snapshot.version >= this.local.version) this.local = snapshot;
  }

  /**
   * Follows the state read back from the store every few seconds, which also catches what
   * pub/sub missed. A state older than this instance's copy means the store lost it.
   */
  async reloaded(snapshot: BreakerSnapshot): Promise<void> {
    if (snapshot.version >= this.local.version) this.adopt(snapshot);
    else await this.catchUp({ snapshot, previous: snapshot.state });
  }

  async reset(): Promise<BreakerSnapshot> {
    return this.record(this.store.reset(this.name));
  }

  /** Lets a call through a breaker that is not closed, or throws `CircuitBreakerOpenError`. */
  private async admit(): Promise<boolean> {
    if (this.isRefusing()) {
      this.hooks.rejection(this.name);
      throw new CircuitBreakerOpenError(this.name, this.retryAt!);
    }
    const ticket = await this.store.probe(this.name, this.settings);
    this.apply(ticket);
    await this.catchUp(ticket);
    if (ticket.granted) return ticket.snapshot.state !== 'closed';
    this.hooks.rejection(this.name);
    throw new CircuitBreakerOpenError(this.name, this.retryAt ?? new Date(Date.now() + PROBE_BUSY_RETRY_MS));
  }

  private async record(pending: Promise<BreakerUpdate>): Promise<BreakerSnapshot> {
    const update = await pending;
    this.apply(update);
    await this.catchUp(update);
    return update.snapshot;
  }

  /**
   * The store answered with an older state than this instance holds. Either a newer one was
   * published while this answer travelled (then `restore` changes nothing), or the store lost
   * it: Redis restarted empty (a breaker it forgot is closed for every caller from then on) or
   * the in-process fallback ran ahead of it. Then the stored state is renumbered past ours, so
   * pub/sub carries it again, and the move from our state is announced, once for the fleet,
   * instead of a breaker closing unrecorded. The answer's own move was announced before.
   */
  private async catchUp(update: BreakerUpdate): Promise<void> {
    if (update.snapshot.version < this.local.version) this.apply(await this.store.restore(this.name, this.local));
  }

  private apply(update: BreakerUpdate): void {
    this.adopt(update.snapshot);
    if (update.previous !== update.snapshot.state) this.hooks.transition(this.name, update);
  }
}
