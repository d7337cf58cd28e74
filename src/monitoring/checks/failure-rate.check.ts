import { Injectable } from '@nestjs/common';

import { AlertCategory } from '../../alerting/alert.constants';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionRepository } from '../../transactions/transaction.repository';
import { type Condition, ConditionTracker } from '../condition-tracker';
import type { MonitorCheck } from './monitor-check';

/** Fewer settled requests than this in the window say nothing about a rate. */
export const MIN_SETTLED_SAMPLE = 10;

/**
 * The failed share of requests settled over FAILURE_RATE_WINDOW_MINUTES above
 * FAILURE_RATE_ALERT_THRESHOLD, once at least `MIN_SETTLED_SAMPLE` settled: one
 * `transaction_failure_rate` alert (error), resolved when the share falls back (or the window
 * holds too few to tell).
 */
@Injectable()
export class FailureRateCheck implements MonitorCheck {
  readonly name = 'transaction_failure_rate';

  constructor(
    private readonly config: AppConfigService,
    private readonly transactions: TransactionRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async run(): Promise<void> {
    const { failureRateThreshold, failureRateWindowMinutes } = this.config.get('monitoring');
    const { confirmed, failed } = await this.transactions.settledWithin(failureRateWindowMinutes);
    const settled = confirmed + failed;
    const rate = settled === 0 ? 0 : failed / settled;
    const holding: Condition[] = [];
    if (settled >= MIN_SETTLED_SAMPLE && rate > failureRateThreshold) {
      const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;
      holding.push({
        severity: 'error',
        category: AlertCategory.TRANSACTION_FAILURE_RATE,
        title: `${percent(rate)} of transactions failed in the last ${failureRateWindowMinutes} minutes`,
        message:
          `${failed} of the ${settled} requests settled in the last ${failureRateWindowMinutes} minutes failed (${percent(rate)}), ` +
          `above FAILURE_RATE_ALERT_THRESHOLD (${percent(failureRateThreshold)}). Look at the recent failures ` +
          '(GET /api/v1/admin/transactions/status) for a common reason: reverts on the contract (paused, roles, balances), ' +
          'the hot wallet out of ETH, or requests a client sends wrongly.',
        data: { failed, confirmed, rate, threshold: failureRateThreshold, window_minutes: failureRateWindowMinutes },
        dedupKey: 'transaction_failure_rate',
      });
    }
    await this.conditions.reconcile(this.name, holding);
  }
}
