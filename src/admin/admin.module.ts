import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';

import { AlertingModule } from '../alerting/alerting.module';
import { AuthModule } from '../auth/auth.module';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { ChainModule } from '../chain/chain.module';
import { CustodyModule } from '../custody/custody.module';
import { ErrorsModule } from '../errors/errors.module';
import { NonceModule } from '../nonce/nonce.module';
import { TokenModule } from '../token/token.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { AdminAccessLogMiddleware } from './admin-access-log.middleware';
import { AdminAlertsController } from './admin-alerts.controller';
import { AdminCallbacksController } from './admin-callbacks.controller';
import { AdminCustodyController } from './admin-custody.controller';
import { AdminErrorsController } from './admin-errors.controller';
import { AdminHealthController } from './admin-health.controller';
import { AdminTransactionsController } from './admin-transactions.controller';
import { TransactionStatusService } from './transaction-status.service';

/** Operator endpoints under `/api/v1/admin`, behind the admin key and network rule; every call is logged, admitted ones audited. */
@Module({
  imports: [
    AuthModule,
    NonceModule,
    CustodyModule,
    TokenModule,
    AlertingModule,
    ChainModule,
    TransactionsModule,
    ErrorsModule,
    CallbacksModule,
  ],
  controllers: [
    AdminHealthController,
    AdminCustodyController,
    AdminTransactionsController,
    AdminAlertsController,
    AdminErrorsController,
    AdminCallbacksController,
  ],
  providers: [TransactionStatusService],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminAccessLogMiddleware).forRoutes('api/v1/admin/*path');
  }
}
