import { Module } from '@nestjs/common';

import { ChainModule } from '../chain/chain.module';
import { NonceModule } from '../nonce/nonce.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { MonitoringSummaryService } from './monitoring-summary.service';

/** What the service watches about itself; the periodic monitor and `/metrics` grow here. */
@Module({
  imports: [ChainModule, NonceModule, TransactionsModule],
  providers: [MonitoringSummaryService],
  exports: [MonitoringSummaryService],
})
export class MonitoringModule {}
