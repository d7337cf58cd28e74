import { BeforeApplicationShutdown, Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';

import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { MonitoringSummaryService } from '../monitoring/monitoring-summary.service';
import { BlockchainHealthIndicator } from './blockchain.health';
import { type BreakerReport, breakerReport } from '../circuit-breaker/breaker-report';
import { RedisHealthIndicator } from './redis.health';

/** Each check has its own budget so one hung dependency cannot stall the probe past a second. */
const CHECK_TIMEOUT_MS = 800;
/** Without these the service cannot take a request safely; anything else only degrades it. */
const ESSENTIAL = ['database', 'redis'] as const;

export type OverallStatus = 'ok' | 'degraded' | 'error';

export interface OverallHealth extends Omit<HealthCheckResult, 'status'> {
  status: OverallStatus;
  circuit_breakers: Record<string, BreakerReport>;
  monitoring: Awaited<ReturnType<MonitoringSummaryService['summary']>>;
}

@ApiTags('health')
@Controller('health')
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly blockchain: BlockchainHealthIndicator,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly monitoring: MonitoringSummaryService,
  ) {}

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /**
   * The whole picture for operators and dashboards. `error` (503) only when the service
   * cannot take requests (database or Redis down); a chain outage or an open breaker is
   * `degraded` (200): requests are still accepted and wait in the queue.
   */
  @Get()
  @ApiOperation({ summary: 'Dependencies, circuit breakers and a monitoring summary' })
  @ApiOkResponse({ description: '`status` is `ok` or `degraded`' })
  @ApiServiceUnavailableResponse({ description: '`status` is `error`: the database or Redis is unreachable' })
  async overall(@Res({ passthrough: true }) response: Response): Promise<OverallHealth> {
    const [checks, monitoring] = await Promise.all([
      this.run([
        () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
        () => this.redis.check(CHECK_TIMEOUT_MS),
        () => this.blockchain.check(CHECK_TIMEOUT_MS),
      ]),
      this.monitoring.summary(CHECK_TIMEOUT_MS),
    ]);
    const circuitBreakers = Object.fromEntries(this.breakers.list().map((status) => [status.name, breakerReport(status)]));
    const isUp = (name: string) => checks.details[name]?.status === 'up';
    const status: OverallStatus = ESSENTIAL.some((name) => !isUp(name))
      ? 'error'
      : !isUp('blockchain') || Object.values(circuitBreakers).some((breaker) => breaker.state !== 'closed') || monitoring.sending_held.length > 0
        ? 'degraded'
        : 'ok';
    response.status(status === 'error' ? 503 : 200);
    return { ...checks, status, circuit_breakers: circuitBreakers, monitoring };
  }

  @Get('live')
  @ApiOperation({ summary: 'The process is up (liveness probe); checks nothing else' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Never looks at breakers: an open `smtp` breaker is shared, so it would drop every replica at once. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Safe to route traffic here: database and Redis reachable, not shutting down' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const result = await this.run([
      () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
      () => this.redis.check(CHECK_TIMEOUT_MS),
      async () => ({ shutdown: { status: this.shuttingDown ? ('down' as const) : ('up' as const) } }),
    ]);
    if (result.status !== 'ok') response.status(503);
    return result;
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
