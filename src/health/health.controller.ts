import { BeforeApplicationShutdown, Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';

import { BlockchainHealthIndicator } from './blockchain.health';
import { RedisHealthIndicator } from './redis.health';

/** Each check has its own budget so one hung dependency cannot stall the probe. */
const CHECK_TIMEOUT_MS = 800;

@ApiTags('health')
@Controller('health')
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly blockchain: BlockchainHealthIndicator,
  ) {}

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Every dependency: database, Redis, blockchain' })
  overall(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.run(response, [
      () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
      () => this.redis.check(CHECK_TIMEOUT_MS),
      () => this.blockchain.check(CHECK_TIMEOUT_MS),
    ]);
  }

  @Get('live')
  @ApiOperation({ summary: 'The process is up (liveness probe)' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Safe to route traffic here: database and Redis reachable, not shutting down' })
  ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.run(response, [
      () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
      () => this.redis.check(CHECK_TIMEOUT_MS),
      async () => (this.shuttingDown ? { shutdown: { status: 'down' as const } } : { shutdown: { status: 'up' as const } }),
    ]);
  }

  /** Terminus signals "down" by throwing; the probe body is still the useful answer. */
  private async run(response: Response, checks: Parameters<HealthCheckService['check']>[0]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
