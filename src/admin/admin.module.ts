import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';

import { CustodyModule } from '../custody/custody.module';
import { NonceModule } from '../nonce/nonce.module';
import { AdminCustodyController } from './admin-custody.controller';
import { AdminAccessLog } from './admin-access.log';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminHealthController } from './admin-health.controller';

/** Operator endpoints under `/api/v1/admin`, behind the admin key; every call is logged and audited. */
@Module({
  imports: [NonceModule, CustodyModule],
  controllers: [AdminHealthController, AdminCustodyController],
  providers: [AdminApiKeyGuard],
  exports: [AdminApiKeyGuard],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminAccessLog).forRoutes('api/v1/admin/*path');
  }
}
