import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { ChainModule } from '../chain/chain.module';
import { BlockchainHealthIndicator } from './blockchain.health';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule, ChainModule],
  controllers: [HealthController],
  providers: [BlockchainHealthIndicator, RedisHealthIndicator],
})
export class HealthModule {}
