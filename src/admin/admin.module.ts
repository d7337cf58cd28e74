import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';

import { AuthModule } from '../auth/auth.module';
import { CustodyModule } from '../custody/custody.module';
import { NonceModule } from '../nonce/nonce.module';
import { AdminAccessLogMiddleware } from './admin-access-log.middleware';
import { AdminCustodyController } from './admin-custody.controller';
import { AdminHealthController } from './admin-health.controller';

/** Operator endpoints under `/api/v1/admin`, behind the admin key; every call is logged and audited. */
@Module({
  imports: [AuthModule, NonceModule, CustodyModule],
  controllers: [AdminHealthController, AdminCustodyController],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminAccessLogMiddleware).forRoutes('api/v1/admin/*path');
  }
}
