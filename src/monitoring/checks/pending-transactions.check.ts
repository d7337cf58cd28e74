import { Injectable } from '@nestjs/common';

import { AlertCategory, type AlertSeverity } from '../../alerting/alert.constants';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionRepository } from '../../transactions/transaction.repository';
import { type Condition, ConditionTracker } from '../condition-tracker';
import type { MonitorCheck } from './monitor-check';
import { pendingSeverity } from './pending-severity';

/** Requests alerted about per tick at most: the oldest first; the rest wait for a later tick. */
const MAX_PER_TICK = 100;

type Waiting = Awaited<ReturnType<TransactionRepository['waitingForBlock']>>[number];

/**
 * Requests accepted longer than PENDING_TX_THRESHOLD_MINUTES ago and still not in a block
 * (queued, signed, submitted or reorged): one alert per request and level of the ladder
 * (`transaction_pending:<txId>:<severity>`). Escalating raises the next level as an alert of
 * its own, so receivers hear it, and leaves the lower one open; every level resolves once the
 * request is mined, confirmed or failed.
 */
@Injectable()
export class PendingTransactionsCheck implements MonitorCheck {
  readonly name = 'transaction_pending';

  constructor(
    private readonly config: AppConfigService,
    private readonly transactions: TransactionRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async run(): Promise<void> {
    const thresholdMinutes = this.config.get('monitoring').pendingTxThresholdMinutes;
    const raised = Object.keys(await this.conditions.raised(this.name)).map(parseKey);
    const waiting = await this.transactions.waitingForBlock(
      thresholdMinutes * 60,
      MAX_PER_TICK,
      raised.map(({ txId }) => txId),
    );
    const holding: Condition[] = [];
    for (const transaction of waiting) {
      const levels = new Set(raised.filter(({ txId }) => txId === transaction.id).map(({ severity }) => severity));
      const now = pendingSeverity(transaction.ageSeconds / 60, thresholdMinutes);
      if (now !== null) levels.add(now);
      for (const severity of levels) holding.push(alertFor(transaction, severity, thresholdMinutes));
    }
    await this.conditions.reconcile(this.name, holding);
  }
}

function parseKey(key: string): { txId: string; severity: AlertSeverity } {
  const [, txId, severity] = key.split(':');
  return { txId, severity: severity as AlertSeverity };
}

function alertFor(transaction: Waiting, severity: AlertSeverity, thresholdMinutes: number): Condition {
  const minutes = Math.floor(transaction.ageSeconds / 60);
  const sent = transaction.txHash === null ? 'not yet broadcast' : `sent as ${transaction.txHash} (nonce ${transaction.nonce})`;
  return {
    severity,
    category: AlertCategory.TRANSACTION_PENDING,
    title: `Transaction pending for ${minutes} minutes`,
    message:
      `The ${transaction.kind} request ${transaction.id} of client '${transaction.clientId}' was accepted ${minutes} minutes ago ` +
      `and is still not in a block (status ${transaction.status}, ${sent}); PENDING_TX_THRESHOLD_MINUTES is ${thresholdMinutes}. ` +
      'Stuck sends are replaced with higher fees automatically. Check /health for held sending (fees above MAX_FEE_PER_GAS_GWEI, ' +
      "a paused contract, a missing role), the blockchain breaker, the node's health and the hot wallet's ETH balance.",
    data: {
      tx_id: transaction.id,
      kind: transaction.kind,
      client_id: transaction.clientId,
      status: transaction.status,
      tx_hash: transaction.txHash,
      nonce: transaction.nonce,
      age_minutes: Math.round((transaction.ageSeconds / 60) * 10) / 10,
      threshold_minutes: thresholdMinutes,
    },
    dedupKey: `transaction_pending:${transaction.id}:${severity}`,
  };
}
