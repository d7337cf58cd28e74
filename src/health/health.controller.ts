import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';

import { HealthReportService, type OverallHealth } from './health-report.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly reports: HealthReportService) {}

  @Get()
  @ApiOperation({ summary: 'Dependencies, circuit breakers and a monitoring summary' })
  @ApiOkResponse({ description: '`status` is `ok` or `degraded`' })
  @ApiServiceUnavailableResponse({ description: '`status` is `error`: the database or Redis is unreachable' })
  async overall(@Res({ passthrough: true }) response: Response): Promise<OverallHealth> {
    const report = await this.reports.overall();
    response.status(report.status === 'error' ? 503 : 200);
    return report;
  }

  @Get('live')
  @ApiOperation({ summary: 'The process is up (liveness probe); checks nothing else' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Safe to route traffic here: database and Redis reachable, not shutting down' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const result = await this.reports.readiness();
    if (result.status !== 'ok') response.status(503);
    return result;
  }
}
