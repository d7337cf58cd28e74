import { Global, Module } from '@nestjs/common';

import { MetricsModule } from '../metrics/metrics.module';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';

/** Named breakers shared by every instance; any module may register or look one up. */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [CircuitBreakerRegistry],
  exports: [CircuitBreakerRegistry],
})
export class CircuitBreakerModule {}
