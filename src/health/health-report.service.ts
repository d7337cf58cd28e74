import { BeforeApplicationShutdown, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { type BreakerReport, breakerReports } from '../circuit-breaker/breaker-report';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import type { MonitoringSummary } from '../monitoring/monitoring-summary.service';
import { BlockchainHealthIndicator } from './blockchain.health';
import { ProbeMonitoring } from './probe-monitoring';
import { RedisHealthIndicator } from './redis.health';

/**
 * Each check has its own budget so one hung dependency cannot stall the probe past a second.
 * 600 ms leaves the request itself room on a loaded host: at 800 ms, `/health` against a
 * hanging RPC node answered after 979 ms on an idle 2-core machine and 1,099 ms under CI.
 */
export const CHECK_TIMEOUT_MS = 600;
/** `/health` answers every caller within this long of the last computed report with that report. */
export const HEALTH_REPORT_TTL_MS = 1_000;
/** Without these the service cannot take a request safely; anything else only degrades it. */
const ESSENTIAL = ['database', 'redis'] as const;

export type OverallStatus = 'ok' | 'degraded' | 'error';

export interface OverallHealth extends Omit<HealthCheckResult, 'status'> {
  status: OverallStatus;
  circuit_breakers: Record<string, BreakerReport>;
  monitoring: MonitoringSummary;
}

/**
 * What `/health` and `/health/ready` report, and the policy that turns checks into a status.
 *
 * `/health` is open to anyone, so a flood of it must cost the dependencies nothing more than
 * one probe: the report is computed at most once per `HEALTH_REPORT_TTL_MS` per instance,
 * concurrent callers share the one computation in flight, and callers within the TTL of the
 * last result get that result. Nothing it reads records on a circuit breaker.
 */
@Injectable()
export class HealthReportService implements BeforeApplicationShutdown {
  private shuttingDown = false;
  private latest?: { report: OverallHealth; at: number };
  private inFlight?: Promise<OverallHealth>;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly blockchain: BlockchainHealthIndicator,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly monitoring: ProbeMonitoring,
  ) {}

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /** The last report if it is fresh, else the computation in flight, else a new one. */
  overall(): Promise<OverallHealth> {
    if (this.latest !== undefined && Date.now() - this.latest.at < HEALTH_REPORT_TTL_MS) return Promise.resolve(this.latest.report);
    this.inFlight ??= this.compute()
      .then((report) => {
        this.latest = { report, at: Date.now() };
        return report;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /**
   * The whole picture for operators and dashboards. `error` only when the service cannot
   * take requests (database or Redis down); a chain outage, a breaker that is not closed or
   * a held queue is `degraded`: requests are still accepted and wait in the queue.
   */
  private async compute(): Promise<OverallHealth> {
    const [checks, monitoring] = await Promise.all([
      this.run([
        () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
        () => this.redis.check(CHECK_TIMEOUT_MS),
        () => this.blockchain.check(CHECK_TIMEOUT_MS),
      ]),
      this.monitoring.summary(CHECK_TIMEOUT_MS),
    ]);
    const circuitBreakers = breakerReports(this.breakers.list());
    const isUp = (name: string) => checks.details[name]?.status === 'up';
    const status: OverallStatus = ESSENTIAL.some((name) => !isUp(name))
      ? 'error'
      : !isUp('blockchain') ||
          Object.values(circuitBreakers).some((breaker) => breaker.state !== 'closed') ||
          monitoring.sending_held.length > 0
        ? 'degraded'
        : 'ok';
    return { ...checks, status, circuit_breakers: circuitBreakers, monitoring };
  }

  /**
   * Database and Redis reachable, not shutting down. Never looks at breakers: an open `smtp`
   * breaker is shared, so it would drop every replica at once.
   */
  readiness(): Promise<HealthCheckResult> {
    return this.run([
      () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
      () => this.redis.check(CHECK_TIMEOUT_MS),
      async () => ({ shutdown: { status: this.shuttingDown ? ('down' as const) : ('up' as const) } }),
    ]);
  }

  /** Terminus signals "down" by throwing; the probe body is still the useful answer. */
  private async run(checks: Parameters<HealthCheckService['check']>[0]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      return error.getResponse() as HealthCheckResult;
    }
  }
}
