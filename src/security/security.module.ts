import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { HttpsOnlyMiddleware } from './https-only.middleware';
import { SecurityEvent } from './security-event.entity';
import { SecurityEventRecorder } from './security-event.recorder';
import { SecurityEventRepository } from './security-event.repository';

/**
 * Transport rules that hold for every route (`ENFORCE_HTTPS`), and where refused and
 * over-limit calls are counted (`security_events`) for every module that refuses one.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SecurityEvent])],
  providers: [SecurityEventRepository, SecurityEventRecorder],
  exports: [SecurityEventRecorder, SecurityEventRepository],
})
export class SecurityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpsOnlyMiddleware).forRoutes('*path');
  }
}
