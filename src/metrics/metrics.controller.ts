import { Controller, Get, Header, HttpStatus, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { headerOf } from '../common/http-request';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { MetricsAccess } from './metrics.access';
import { MetricsRegistry } from './metrics.registry';

@ApiTags('monitoring')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly access: MetricsAccess,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'With `METRICS_PORT` set, served only on that port (here: 404). Otherwise, with `METRICS_TOKEN` set, it needs ' +
      '`Authorization: Bearer <METRICS_TOKEN>`. With neither, open outside production and not served in production.',
  })
  @ApiErrorResponse(HttpStatus.UNAUTHORIZED, 'INVALID_API_KEY')
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'ROUTE_NOT_FOUND')
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    try {
      this.access.assertMainPortScrape(headerOf(request.headers, 'authorization'));
    } catch (refusal) {
      if (this.access.exposure === 'token') void response.header('WWW-Authenticate', 'Bearer realm="metrics"');
      throw refusal;
    }
    void response.type(this.registry.contentType);
    return this.registry.metrics();
  }
}
