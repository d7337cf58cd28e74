import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';

import { AppConfigService } from '../config/app-config.service';
import { BREAKER_NAMES } from '../config/env.schema';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { REDIS, type RedisConnection } from '../redis/redis.module';
import type { BreakerSettings, BreakerSnapshot, BreakerState } from './breaker-state';
import type { BreakerStateStore, BreakerUpdate } from './breaker-state.store';
import { CircuitBreaker, type FailurePredicate } from './circuit-breaker';
import { FallbackBreakerStore } from './fallback-breaker.store';
import { MemoryBreakerStore } from './memory-breaker.store';
import { RedisBreakerStore } from './redis-breaker.store';

/** A state change this instance made; listeners (alerting) hear each change exactly once fleet-wide. */
export interface BreakerTransition {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
  snapshot: BreakerSnapshot;
  settings: BreakerSettings;
}

export type BreakerTransitionListener = (transition: BreakerTransition) => void;

export interface BreakerStatus {
  name: string;
  snapshot: BreakerSnapshot;
  settings: BreakerSettings;
  retryAt: Date | null;
}

/** Pub/sub keeps local copies current; this reload covers messages lost in a reconnect. */
const RELOAD_INTERVAL_MS = 5_000;
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Every named breaker of this instance, sharing one state store: Redis when configured
 * (with an in-process fallback), otherwise this process alone. The well-known breakers
 * exist from the start so health and admin always list them; modules attach their own
 * failure rules with `register`.
 */
@Injectable()
export class CircuitBreakerRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreaker');
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly listeners: BreakerTransitionListener[] = [];
  private readonly store: BreakerStateStore;
  private readonly transitions: Counter<'breaker' | 'from' | 'to'>;
  private readonly rejections: Counter<'breaker'>;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfigService,
    @Inject(REDIS) redis: RedisConnection,
    metrics: MetricsRegistry,
  ) {
    this.store = redis === null ? new MemoryBreakerStore() : new FallbackBreakerStore(new RedisBreakerStore(redis));
    this.transitions = new Counter({
      name: 'haven_circuit_breaker_transitions_total',
      help: 'State changes made by this instance, by breaker',
      labelNames: ['breaker', 'from', 'to'],
      registers: [metrics],
    });
    this.rejections = new Counter({
      name: 'haven_circuit_breaker_rejections_total',
      help: 'Calls refused by an open breaker on this instance',
      labelNames: ['breaker'],
      registers: [metrics],
    });
    const breakers = this.breakers;
    new Gauge({
      name: 'haven_circuit_breaker_state',
      help: 'Breaker state as this instance sees it: 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'],
      registers: [metrics],
      collect() {
        for (const [name, breaker] of breakers) this.set({ breaker: name }, STATE_VALUE[breaker.snapshot.state]);
      },
    });
    for (const name of BREAKER_NAMES) this.register(name);
  }

  async onModuleInit(): Promise<void> {
    await this.store.watch((name, snapshot) => this.breakers.get(name)?.adopt(snapshot));
    if (this.store instanceof FallbackBreakerStore) this.store.onResubscribed(() => void this.reload());
    await this.reload();
    this.reloadTimer = setInterval(() => void this.reload(), RELOAD_INTERVAL_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.reloadTimer);
    await this.store.close();
  }

  /**
   * The breaker called `name`, created on first use. `isFailure`, given by the module that
   * owns the dependency, decides which errors count against it; until then every error does.
   */
  register(name: string, isFailure?: FailurePredicate): CircuitBreaker {
    const existing = this.breakers.get(name);
    if (existing) {
      if (isFailure) existing.classifyFailures(isFailure);
      return existing;
    }
    const table: Record<string, BreakerSettings> = this.config.get('circuitBreakers');
    const settings = table[name] ?? table.default;
    const breaker = new CircuitBreaker(name, settings, this.store, isFailure ?? (() => true), {
      transition: (breakerName, update) => this.announce(breakerName, update, settings),
      rejection: (breakerName) => this.rejections.inc({ breaker: breakerName }),
    });
    this.breakers.set(name, breaker);
    return breaker;
  }

  get(name: string): CircuitBreaker | undefined {
    return this.breakers.get(name);
  }

  list(): BreakerStatus[] {
    return [...this.breakers.values()].map((breaker) => ({
      name: breaker.name,
      snapshot: breaker.snapshot,
      settings: breaker.settings,
      retryAt: breaker.retryAt,
    }));
  }

  /** Closes the breaker on every instance (an operator's decision); `undefined` if unknown. */
  async reset(name: string): Promise<BreakerStatus | undefined> {
    const breaker = this.breakers.get(name);
    if (breaker === undefined) return undefined;
    await breaker.reset();
    return this.list().find((status) => status.name === name);
  }

  /** Hears every transition this instance makes; alerting subscribes here. */
  onTransition(listener: BreakerTransitionListener): void {
    this.listeners.push(listener);
  }

  private async reload(): Promise<void> {
    try {
      const states = await this.store.load([...this.breakers.keys()]);
      await Promise.all([...states].map(([name, snapshot]) => this.breakers.get(name)?.reloaded(snapshot) ?? Promise.resolve()));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not reload breaker states');
    }
  }

  private announce(name: string, update: BreakerUpdate, settings: BreakerSettings): void {
    const transition: BreakerTransition = {
      breaker: name,
      from: update.previous,
      to: update.snapshot.state,
      snapshot: update.snapshot,
      settings,
    };
    this.transitions.inc({ breaker: name, from: transition.from, to: transition.to });
    const context = { breaker: name, from: transition.from, to: transition.to, failureCount: update.snapshot.failureCount };
    if (transition.to === 'open') this.logger.error(context, `circuit breaker '${name}' opened`);
    else this.logger.warn(context, `circuit breaker '${name}' is now ${transition.to}`);
    for (const listener of this.listeners) {
      try {
        listener(transition);
      } catch (error) {
        this.logger.error({ err: error, breaker: name }, 'breaker transition listener failed');
      }
    }
  }
}
