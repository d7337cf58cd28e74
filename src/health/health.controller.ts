import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ADMIN_KEY_SCHEME } from '../auth/api-key.decorators';
import { BreakerReport } from '../circuit-breaker/breaker-report';
import { HealthDetailsAccess } from './health-details.access';
import { HealthDetailsDto, HealthStatusDto } from './health-report.dto';
import { HEALTH_REPORT_TTL_MS, HealthReportService, type OverallHealth } from './health-report.service';

const STATUS_OR_DETAILS = { oneOf: [{ $ref: getSchemaPath(HealthStatusDto) }, { $ref: getSchemaPath(HealthDetailsDto) }] };

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly reports: HealthReportService,
    private readonly access: HealthDetailsAccess,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Overall status; dependencies, circuit breakers and a monitoring summary for operators',
    description:
      'Anyone gets `{ "status" }` only. The details (checks, breakers, signer address, nonces, backlog) need an admin key ' +
      'in `X-API-Key` or `Authorization: Bearer <HEALTH_DETAILS_TOKEN>`; a wrong key or token is not refused, it just ' +
      `sees the status. Computed at most once per ${HEALTH_REPORT_TTL_MS} ms per instance and shared by every caller ` +
      'meanwhile; probes never move a circuit breaker.',
  })
  // Optional: no key is a valid call too.
  @ApiSecurity({})
  @ApiSecurity(ADMIN_KEY_SCHEME)
  @ApiExtraModels(HealthStatusDto, HealthDetailsDto, BreakerReport)
  @ApiOkResponse({ description: '`status` is `ok` or `degraded`', schema: STATUS_OR_DETAILS })
  @ApiServiceUnavailableResponse({ description: '`status` is `error`: the database or Redis is unreachable', schema: STATUS_OR_DETAILS })
  async overall(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<OverallHealth | HealthStatusDto> {
    const report = await this.reports.overall();
    void response.status(report.status === 'error' ? 503 : 200);
    return this.access.maySeeDetails(request) ? report : { status: report.status };
  }

  @Get('live')
  @ApiOperation({ summary: 'The process is up (liveness probe); checks nothing else' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Safe to route traffic here: database and Redis reachable, not shutting down' })
  async ready(@Res({ passthrough: true }) response: FastifyReply): Promise<HealthCheckResult> {
    const result = await this.reports.readiness();
    if (result.status !== 'ok') void response.status(503);
    return result;
  }
}
