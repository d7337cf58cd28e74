import { type BreakerSettings, type BreakerSnapshot, CLOSED, transitions } from './breaker-state';
import { type BreakerStateStore, type BreakerUpdate, PROBE_TTL_MS, type ProbeTicket } from './breaker-state.store';

/**
 * Breaker state in this process only: the store of a single instance without Redis, and
 * the fallback of the Redis store while Redis cannot be reached.
 */
export class MemoryBreakerStore implements BreakerStateStore {
  private readonly states = new Map<string, BreakerSnapshot>();
  private readonly probes = new Map<string, number>();
  private readonly listeners: Array<(name: string, snapshot: BreakerSnapshot) => void> = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Adopts a state learned elsewhere (from Redis), so a fallback continues from it. */
  seed(name: string, snapshot: BreakerSnapshot): void {
    this.states.set(name, snapshot);
  }

  async failure(name: string, settings: BreakerSettings): Promise<BreakerUpdate> {
    return this.apply(name, (current) => transitions.failure(current, settings, this.now()));
  }

  async success(name: string, settings: BreakerSettings): Promise<BreakerUpdate> {
    return this.apply(name, (current) => transitions.success(current, settings));
  }

  async probe(name: string, settings: BreakerSettings): Promise<ProbeTicket> {
    const update = this.apply(name, (current) => transitions.expire(current, settings, this.now()));
    const { state } = update.snapshot;
    if (state === 'closed') return { ...update, granted: true };
    if (state === 'open' || (this.probes.get(name) ?? 0) > this.now()) return { ...update, granted: false };
    this.probes.set(name, this.now() + PROBE_TTL_MS);
    return { ...update, granted: true };
  }

  async reset(name: string): Promise<BreakerUpdate> {
    return this.apply(name, (current) => ({ ...CLOSED, version: current.version }));
  }

  /** Nothing here is ever lost: the state stays, numbered past `known` if it was behind. */
  async restore(name: string, known: BreakerSnapshot): Promise<BreakerUpdate> {
    const current = this.current(name);
    if (current.version >= known.version) return { snapshot: current, previous: current.state };
    const restored = { ...current, version: known.version + 1 };
    this.states.set(name, restored);
    return { snapshot: restored, previous: known.state };
  }

  async load(names: readonly string[]): Promise<Map<string, BreakerSnapshot>> {
    return new Map(names.map((name) => [name, this.current(name)]));
  }

  async watch(listener: (name: string, snapshot: BreakerSnapshot) => void): Promise<void> {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
  }

  private current(name: string): BreakerSnapshot {
    return this.states.get(name) ?? CLOSED;
  }

  private apply(name: string, transition: (current: BreakerSnapshot) => BreakerSnapshot): BreakerUpdate {
    const before = this.current(name);
    const moved = transition(before);
    const after = moved === before ? before : { ...moved, version: before.version + 1 };
    if (after !== before) this.states.set(name, after);
    // Any completed probe frees the slot; the next call may probe again.
    if (after.state !== 'half_open' || after.successCount !== before.successCount) this.probes.delete(name);
    if (after.state !== before.state) for (const listener of this.listeners) listener(name, after);
    return { snapshot: after, previous: before.state };
  }
}
