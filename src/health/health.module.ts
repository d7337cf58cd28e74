import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { AuthModule } from '../auth/auth.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { NonceModule } from '../nonce/nonce.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { BlockchainHealthIndicator } from './blockchain.health';
import { HealthController } from './health.controller';
import { HealthDetailsAccess } from './health-details.access';
import { HealthReportService } from './health-report.service';
import { probeChainClientProvider } from './probe-chain.client';
import { ProbeMonitoring } from './probe-monitoring';
import { RedisHealthIndicator } from './redis.health';

/**
 * `/health`, `/health/live` and `/health/ready`. Probes read the chain through a client of
 * their own that looks at the `blockchain` breaker without ever recording on it.
 */
@Module({
  imports: [TerminusModule, TransactionsModule, NonceModule, AuthModule, MonitoringModule],
  controllers: [HealthController],
  providers: [
    BlockchainHealthIndicator,
    HealthDetailsAccess,
    HealthReportService,
    ProbeMonitoring,
    probeChainClientProvider,
    RedisHealthIndicator,
  ],
  exports: [HealthDetailsAccess],
})
export class HealthModule {}
