import { Logger } from '@nestjs/common';

import type { BreakerSettings, BreakerSnapshot } from './breaker-state';
import type { BreakerStateStore, BreakerUpdate, ProbeTicket } from './breaker-state.store';
import { MemoryBreakerStore } from './memory-breaker.store';
import type { RedisBreakerStore } from './redis-breaker.store';

/** At most one "Redis unreachable" warning per breaker per this many milliseconds. */
const WARN_EVERY_MS = 30_000;

/**
 * The shared store, backed by this process's own state machine while Redis is unreachable:
 * a breaker must keep protecting its dependency when the coordination layer is down too.
 * The in-memory copy follows every state Redis reports, so a fallback starts from the
 * last shared state rather than from closed.
 */
export class FallbackBreakerStore implements BreakerStateStore {
  private readonly logger = new Logger('CircuitBreaker');
  private readonly memory = new MemoryBreakerStore();
  private readonly lastWarning = new Map<string, number>();

  constructor(private readonly shared: RedisBreakerStore) {}

  failure(name: string, settings: BreakerSettings): Promise<BreakerUpdate> {
    return this.attempt(
      name,
      () => this.shared.failure(name, settings),
      () => this.memory.failure(name, settings),
    );
  }

  success(name: string, settings: BreakerSettings): Promise<BreakerUpdate> {
    return this.attempt(
      name,
      () => this.shared.success(name, settings),
      () => this.memory.success(name, settings),
    );
  }

  probe(name: string, settings: BreakerSettings): Promise<ProbeTicket> {
    return this.attempt(
      name,
      () => this.shared.probe(name, settings),
      () => this.memory.probe(name, settings),
    );
  }

  reset(name: string): Promise<BreakerUpdate> {
    return this.attempt(
      name,
      () => this.shared.reset(name),
      () => this.memory.reset(name),
    );
  }

  restore(name: string, known: BreakerSnapshot): Promise<BreakerUpdate> {
    return this.attempt(
      name,
      () => this.shared.restore(name, known),
      () => this.memory.restore(name, known),
    );
  }

  async load(names: readonly string[]): Promise<Map<string, BreakerSnapshot>> {
    try {
      const loaded = await this.shared.load(names);
      for (const [name, snapshot] of loaded) this.memory.seed(name, snapshot);
      return loaded;
    } catch {
      return this.memory.load(names);
    }
  }

  async watch(listener: (name: string, snapshot: BreakerSnapshot) => void): Promise<void> {
    await this.shared.watch((name, snapshot) => {
      this.memory.seed(name, snapshot);
      listener(name, snapshot);
    });
  }

  onResubscribed(listener: () => void): void {
    this.shared.onResubscribed(listener);
  }

  close(): Promise<void> {
    return this.shared.close();
  }

  private async attempt<T extends BreakerUpdate>(name: string, shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      const update = await shared();
      this.memory.seed(name, update.snapshot);
      return update;
    } catch (error) {
      const now = Date.now();
      if (now - (this.lastWarning.get(name) ?? 0) > WARN_EVERY_MS) {
        this.lastWarning.set(name, now);
        this.logger.warn({ breaker: name, err: error }, 'Redis unreachable: breaker state kept in this process until it returns');
      }
      return local();
    }
  }
}
