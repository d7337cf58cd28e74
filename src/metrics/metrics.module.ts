import { Global, Module } from '@nestjs/common';

import { HttpMetrics } from './http-metrics';
import { MetricsAccess } from './metrics.access';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';
import { MetricsServer } from './metrics.server';

/**
 * The registry every module adds its own metrics to, and where it is scraped: `/metrics` on
 * the API port, or on a port of its own (`METRICS_PORT`); see `MetricsAccess`.
 */
@Global()
@Module({
  providers: [{ provide: MetricsRegistry, useFactory: () => MetricsRegistry.create() }, HttpMetrics, MetricsAccess, MetricsServer],
  controllers: [MetricsController],
  exports: [HttpMetrics, MetricsRegistry],
})
export class MetricsModule {}
