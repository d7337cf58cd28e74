import { Global, Module } from '@nestjs/common';

import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

/** `/metrics` and the registry every module adds its own metrics to. */
@Global()
@Module({
  providers: [{ provide: MetricsRegistry, useFactory: () => MetricsRegistry.create() }],
  controllers: [MetricsController],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
