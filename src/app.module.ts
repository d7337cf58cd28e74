import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { AdminModule } from './admin/admin.module';
import { AlertingModule } from './alerting/alerting.module';
import { AuthModule } from './auth/auth.module';
import { servesApi } from './bootstrap/process-role';
import { CallbacksModule } from './callbacks/callbacks.module';
import { ChainModule } from './chain/chain.module';
import { CircuitBreakerModule } from './circuit-breaker/circuit-breaker.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CustodyModule } from './custody/custody.module';
import { DatabaseModule } from './database/database.module';
import { ErrorsModule } from './errors/errors.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { NonceModule } from './nonce/nonce.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { SecurityModule } from './security/security.module';
import { TokenModule } from './token/token.module';
import { TransactionsModule } from './transactions/transactions.module';

/**
 * The map of the service. Infrastructure first (configuration, logging, PostgreSQL,
 * Redis, metrics, the scheduler, circuit breakers, the chain, errors, API keys), then the features that
 * stand on it: custody of wallet keys, nonces, alerting, the send pipeline, status callbacks
 * to client apps, monitoring, health, the client API and the admin API.
 *
 * `PROCESS_ROLE=worker` leaves the client and admin API out: such an instance answers only
 * health probes and `/metrics`. Which loops run is decided by `ProcessRole`.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        RedisModule,
        MetricsModule,
        ScheduleModule.forRoot(),
        CircuitBreakerModule,
        ChainModule,
        ErrorsModule,
        RateLimitModule,
        SecurityModule,
        AuthModule,
        CustodyModule,
        NonceModule,
        AlertingModule,
        TransactionsModule,
        CallbacksModule,
        MonitoringModule,
        HealthModule,
        ...(servesApi(config.processRole) ? [TokenModule, AdminModule] : []),
      ],
    };
  }
}
