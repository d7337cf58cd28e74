import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { ProcessRole } from '../bootstrap/process-role';
import { AppConfigService } from '../config/app-config.service';
import { MONITOR_CHECKS, type MonitorCheck } from './checks/monitor-check';
import { MonitorMetrics } from './monitor.metrics';
import { MonitorStateRepository } from './monitor-state.repository';
import { TickLock } from './tick-lock';

const INTERVAL_NAME = 'monitor';
/** The tick ledger is pruned on every this-many-th tick. */
const PRUNE_EVERY_TICKS = 100n;

/**
 * Runs the monitor's checks every MONITOR_INTERVAL_SECONDS, each tick on exactly one instance.
 * Time is cut into intervals numbered `floor(now / interval)`; every instance wakes once per
 * interval and tries to claim the current number: first the Redis lock (`TickLock`, one round
 * trip, so losers stop there), then the tick's row in `monitor_ticks`, whose primary key admits
 * one claim whatever happened to Redis. A tick also waits for no one: while another instance's
 * tick is still running (slower than the interval), the next one is skipped rather than run
 * alongside it. The first tick comes one interval after start.
 */
@Injectable()
export class MonitorScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Monitor');
  /** Names this instance in the tick ledger and the lock. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly intervalMs: number;
  private running?: Promise<boolean>;
  private stopped = false;

  constructor(
    config: AppConfigService,
    private readonly scheduler: SchedulerRegistry,
    private readonly lock: TickLock,
    private readonly ledger: MonitorStateRepository,
    private readonly metrics: MonitorMetrics,
    @Inject(MONITOR_CHECKS) private readonly checks: MonitorCheck[],
    private readonly role: ProcessRole,
  ) {
    this.intervalMs = config.get('monitoring').intervalSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(MonitorScheduler.name, () =>
      this.scheduler.addInterval(
        INTERVAL_NAME,
        setInterval(() => void this.tick(), this.intervalMs),
      ),
    );
  }

  /** Lets a tick in progress finish while the database is still there. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
    await this.running;
  }

  /**
   * Runs the current interval's tick here, unless another instance claimed it (or this one is
   * still busy with the previous one). Whether it ran here.
   */
  async tick(): Promise<boolean> {
    if (this.running !== undefined || this.stopped) return false;
    this.running = this.claimAndRun();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async claimAndRun(): Promise<boolean> {
    const tick = BigInt(Math.floor(Date.now() / this.intervalMs));
    try {
      if ((await this.lock.acquire(tick, this.instanceId, this.intervalMs)) === 'taken') return false;
      const ran = await this.ledger.whileNoOtherTickRuns(async () => {
        if (!(await this.ledger.claimTick(tick, this.instanceId))) return false;
        await this.runChecks(tick);
        return true;
      });
      if (ran === undefined)
        this.logger.warn({ tick: tick.toString() }, 'the previous monitor tick is still running elsewhere; this one is skipped');
      return ran === true;
    } catch (error) {
      this.logger.warn({ err: error, tick: tick.toString() }, 'could not claim the monitor tick; skipped');
      return false;
    }
  }

  private async runChecks(tick: bigint): Promise<void> {
    const started = performance.now();
    const outcomes = await Promise.allSettled(this.checks.map((check) => check.run()));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected')
        this.logger.warn(
          { err: outcome.reason as unknown, check: this.checks[i].name, tick: tick.toString() },
          'monitor check failed; its alerts stay as they were',
        );
    });
    const durationMs = performance.now() - started;
    this.metrics.tickRan(durationMs / 1000);
    try {
      await this.ledger.finishTick(tick, durationMs);
      if (tick % PRUNE_EVERY_TICKS === 0n) await this.ledger.pruneTicks();
    } catch (error) {
      this.logger.warn({ err: error, tick: tick.toString() }, 'could not record the end of the monitor tick');
    }
    this.logger.debug({ tick: tick.toString(), durationMs: Math.round(durationMs) }, 'monitor tick ran');
  }
}
