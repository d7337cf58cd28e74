import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { ChainModule } from '../chain/chain.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { BlockchainHealthIndicator } from './blockchain.health';
import { HealthController } from './health.controller';
import { HealthReportService } from './health-report.service';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule, ChainModule, MonitoringModule],
  controllers: [HealthController],
  providers: [BlockchainHealthIndicator, HealthReportService, RedisHealthIndicator],
})
export class HealthModule {}
