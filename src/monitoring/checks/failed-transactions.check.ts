import { Injectable, Logger } from '@nestjs/common';

import { AlertCategory } from '../../alerting/alert.constants';
import { AlertService } from '../../alerting/alert.service';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionRepository } from '../../transactions/transaction.repository';
import type { Condition } from '../condition-tracker';
import { MonitorStateRepository } from '../monitor-state.repository';
import type { MonitorCheck } from './monitor-check';

/** Failures alerted about per tick at most, the oldest first; a flood is the failure-rate alert's. */
const MAX_PER_TICK = 50;
/**
 * How far back each tick looks, at least: a failure committed late (its row stamped with the
 * start of its database transaction) still falls within the next tick's look.
 */
const MIN_LOOKBACK_SECONDS = 300;

type Failed = Awaited<ReturnType<TransactionRepository['failedWithin']>>[number];

/** Requests already alerted about, with when they failed, kept while they are within the look-back. */
interface FailedWatch {
  alerted: Record<string, string>;
}

const STATE_KEY = 'failed_watch';

/**
 * Requests that failed since the last tick: one `transaction_failed` alert (error) each, once.
 * A failure is an event, not a condition: nothing resolves it; the admin retries or resolves.
 */
@Injectable()
export class FailedTransactionsCheck implements MonitorCheck {
  readonly name = 'transaction_failed';
  private readonly logger = new Logger(FailedTransactionsCheck.name);

  constructor(
    private readonly config: AppConfigService,
    private readonly transactions: TransactionRepository,
    private readonly alerts: AlertService,
    private readonly state: MonitorStateRepository,
  ) {}

  async run(): Promise<void> {
    const lookbackSeconds = Math.max(MIN_LOOKBACK_SECONDS, 3 * this.config.get('monitoring').intervalSeconds);
    const watch = (await this.state.get<FailedWatch>(STATE_KEY)) ?? { alerted: {} };
    const failed = await this.transactions.failedWithin(lookbackSeconds, MAX_PER_TICK + Object.keys(watch.alerted).length);
    const fresh = failed.filter((transaction) => watch.alerted[transaction.id] === undefined).slice(0, MAX_PER_TICK);
    for (const transaction of fresh) {
      try {
        await this.alerts.raise(alertFor(transaction));
        watch.alerted[transaction.id] = transaction.failedAt.toISOString();
      } catch (error) {
        this.logger.error({ err: error, txId: transaction.id }, 'could not raise a failed-transaction alert; trying again next tick');
      }
    }
    // Twice the look-back: a clock apart from the database's must not forget an id it will see again.
    const forgetBefore = Date.now() - 2 * lookbackSeconds * 1000;
    for (const [id, failedAt] of Object.entries(watch.alerted)) if (Date.parse(failedAt) < forgetBefore) delete watch.alerted[id];
    await this.state.set(STATE_KEY, watch);
  }
}

function alertFor(transaction: Failed): Condition {
  const reason = transaction.errorMessage ?? transaction.errorCode ?? 'no reason recorded';
  return {
    severity: 'error',
    category: AlertCategory.TRANSACTION_FAILED,
    title: `Transaction failed: ${transaction.kind} ${transaction.id}`,
    message:
      `The ${transaction.kind} request ${transaction.id} of client '${transaction.clientId}' failed at ` +
      `${transaction.failedAt.toISOString()}${transaction.txHash === null ? '' : ` (transaction ${transaction.txHash})`}: ${reason}. ` +
      'If the cause is fixed (balance, role, contract state), retry it with POST /api/v1/admin/transactions/{txId}/retry.',
    data: {
      tx_id: transaction.id,
      kind: transaction.kind,
      client_id: transaction.clientId,
      error_code: transaction.errorCode,
      error_message: transaction.errorMessage,
      tx_hash: transaction.txHash,
      failed_at: transaction.failedAt.toISOString(),
    },
    dedupKey: `transaction_failed:${transaction.id}`,
  };
}
