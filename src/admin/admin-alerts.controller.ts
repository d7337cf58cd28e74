import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { AlertService } from '../alerting/alert.service';
import { AdminApi } from '../auth/api-key.decorators';
import type { AuditActor } from '../custody/audit/wallet-audit.service';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { AdminActor } from './admin-actor';
import { AlertListQuery, AlertStatsQuery } from './dto/alert.dto';
import { AlertDetailDto } from './dto/alert-delivery.dto';
import { AlertDto, AlertPageDto, AlertStatsDto } from './dto/alert-response.dto';

const ALERT_ID = { name: 'alertId', schema: { type: 'string', format: 'uuid' } } as const;

/** The alerts in `alert_logs`: read them and their deliveries, say someone is on one, close one, send a test. */
@ApiTags('admin')
@AdminApi()
@Controller('api/v1/admin/alerts')
export class AdminAlertsController {
  constructor(private readonly alerts: AlertService) {}

  @Get()
  @ApiOperation({ summary: 'Alerts, newest first (by when first raised), by severity, category and status' })
  @ApiOkResponse({ type: AlertPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async list(@Query() query: AlertListQuery): Promise<AlertPageDto> {
    const page = await this.alerts.list({ ...query, limit: query.limit ?? 50 });
    return { items: page.items.map((alert) => AlertDto.from(alert)), next_cursor: page.nextCursor };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Alerts that occurred in the last N hours, by severity, category and status' })
  @ApiOkResponse({ type: AlertStatsDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async stats(@Query() query: AlertStatsQuery): Promise<AlertStatsDto> {
    return AlertStatsDto.from(await this.alerts.stats(query.hours ?? 24));
  }

  @Post('test')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Sends a system_test alert to every configured channel, whatever the routes say',
    description:
      'Every enabled and configured target gets it: the e-mail recipients, each Slack, PagerDuty and generic webhook URL, and the ' +
      'escalation recipients. Delivery is asynchronous: the answer lists the pending deliveries; ' +
      'GET /api/v1/admin/alerts/{alertId} shows how each went.',
  })
  @ApiAcceptedResponse({ type: AlertDetailDto, description: 'The test alert and its deliveries, queued' })
  async sendTest(@AdminActor() { actor }: AuditActor): Promise<AlertDetailDto> {
    return AlertDetailDto.fromDetail(await this.alerts.sendTest(actor));
  }

  @Get(':alertId')
  @ApiParam(ALERT_ID)
  @ApiOperation({ summary: 'One alert, with each delivery: event, channel target, status, attempts and last error' })
  @ApiOkResponse({ type: AlertDetailDto })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'ALERT_NOT_FOUND')
  async get(@Param('alertId') alertId: string): Promise<AlertDetailDto> {
    return AlertDetailDto.fromDetail(await this.alerts.detail(alertId));
  }

  @Post(':alertId/acknowledge')
  @HttpCode(HttpStatus.OK)
  @ApiParam(ALERT_ID)
  @ApiOperation({
    summary: 'Someone is on it: records when and by which admin key',
    description:
      'PagerDuty targets that got the alert are sent an acknowledge for its incident. ' +
      'Acknowledging an acknowledged alert changes nothing (the first acknowledgement stays). A resolved alert: 409 ALERT_ALREADY_RESOLVED.',
  })
  @ApiOkResponse({ type: AlertDto, description: 'The alert, acknowledged' })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'ALERT_NOT_FOUND')
  @ApiErrorResponse(HttpStatus.CONFLICT, 'ALERT_ALREADY_RESOLVED')
  async acknowledge(@Param('alertId') alertId: string, @AdminActor() { actor }: AuditActor): Promise<AlertDto> {
    return AlertDto.from(await this.alerts.acknowledge(alertId, actor));
  }

  @Post(':alertId/resolve')
  @HttpCode(HttpStatus.OK)
  @ApiParam(ALERT_ID)
  @ApiOperation({
    summary: 'It is over: records when and by which admin key; a repeat afterwards raises a new alert',
    description:
      'Open or acknowledged alerts; resolving a resolved alert changes nothing. Every target that got the alert is told: ' +
      'PagerDuty resolves its incident, the others receive a "Resolved:" message.',
  })
  @ApiOkResponse({ type: AlertDto, description: 'The alert, resolved' })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'ALERT_NOT_FOUND')
  async resolve(@Param('alertId') alertId: string, @AdminActor() { actor }: AuditActor): Promise<AlertDto> {
    return AlertDto.from(await this.alerts.resolve(alertId, actor));
  }
}
