import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AlertingModule } from '../alerting/alerting.module';
import { ChainModule } from '../chain/chain.module';
import { NonceModule } from '../nonce/nonce.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { BreakerOpenCheck } from './checks/breaker-open.check';
import { FailedTransactionsCheck } from './checks/failed-transactions.check';
import { FailureRateCheck } from './checks/failure-rate.check';
import { GasPriceCheck } from './checks/gas-price.check';
import { HotWalletCheck } from './checks/hot-wallet.check';
import { MONITOR_CHECKS, type MonitorCheck } from './checks/monitor-check';
import { NonceDriftCheck } from './checks/nonce-drift.check';
import { PendingTransactionsCheck } from './checks/pending-transactions.check';
import { ConditionTracker } from './condition-tracker';
import { MonitorMetrics } from './monitor.metrics';
import { MonitorScheduler } from './monitor.scheduler';
import { MonitorStateEntry } from './monitor-state.entity';
import { MonitorStateRepository } from './monitor-state.repository';
import { MonitorStatus } from './monitor-status';
import { MonitorTick } from './monitor-tick.entity';
import { MonitoringSummaryService } from './monitoring-summary.service';
import { TickLock } from './tick-lock';

const CHECKS = [
  PendingTransactionsCheck,
  FailedTransactionsCheck,
  FailureRateCheck,
  GasPriceCheck,
  NonceDriftCheck,
  HotWalletCheck,
  BreakerOpenCheck,
];

/**
 * What the service watches about itself: the periodic monitor (once per interval across all
 * instances, alerting on conditions and resolving them when they clear), its metrics, and the
 * summary `/health` shows.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MonitorStateEntry, MonitorTick]), AlertingModule, ChainModule, NonceModule, TransactionsModule],
  providers: [
    ...CHECKS,
    { provide: MONITOR_CHECKS, inject: CHECKS, useFactory: (...checks: MonitorCheck[]) => checks },
    ConditionTracker,
    MonitorMetrics,
    MonitorScheduler,
    MonitorStateRepository,
    MonitorStatus,
    MonitoringSummaryService,
    TickLock,
  ],
  exports: [MonitorStatus, MonitoringSummaryService],
})
export class MonitoringModule {}
