import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';

import { NonceModule } from '../nonce/nonce.module';
import { AdminAccessLog } from './admin-access.log';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminHealthController } from './admin-health.controller';

/** Operator endpoints under `/api/v1/admin`, behind the admin key; every call is logged. */
@Module({
  imports: [NonceModule],
  controllers: [AdminHealthController],
  providers: [AdminApiKeyGuard],
  exports: [AdminApiKeyGuard],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminAccessLog).forRoutes('api/v1/admin/*path');
  }
}
