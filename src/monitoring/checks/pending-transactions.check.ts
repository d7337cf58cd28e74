import { Injectable } from '@nestjs/common';

import { AlertCategory, type AlertSeverity } from '../../alerting/alert.constants';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionRepository, type WaitingForBlock } from '../../transactions/transaction.repository';
import { type Condition, ConditionTracker } from '../condition-tracker';
import type { MonitorCheck } from './monitor-check';
import { PENDING_LADDER, pendingSeverity } from './pending-severity';

/** The oldest requests an alert names; the rest are counted. */
const SAMPLE_SIZE = 10;

/**
 * Requests accepted longer than PENDING_TX_THRESHOLD_MINUTES ago and still not in a block
 * (queued, signed, submitted or reorged), as one alert per level of the ladder
 * (`transaction_pending:<severity>`) that the oldest of them has reached. Requests stuck
 * together share a cause (a node outage, fees above the cap, a stuck nonce): one alert says
 * how many and which are oldest, where one per request paged on-call a hundred times for one
 * outage. A level stays open while any request waits past it, and resolves when none does;
 * escalating raises the next level as an alert of its own, so receivers hear it.
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
    const waiting = await this.transactions.waitingForBlock(thresholdMinutes * 60, SAMPLE_SIZE);
    const oldest = waiting.oldest[0];
    const reached = oldest === undefined ? null : pendingSeverity(oldest.ageSeconds / 60, thresholdMinutes);
    const levels = reached === null ? [] : PENDING_LADDER.slice(PENDING_LADDER.indexOf(reached));
    await this.conditions.reconcile(
      this.name,
      levels.map((severity) => alertFor(waiting, severity, thresholdMinutes)),
    );
  }
}

const requests = (count: number) => `${count} ${count === 1 ? 'request' : 'requests'}`;

function alertFor(waiting: WaitingForBlock, severity: AlertSeverity, thresholdMinutes: number): Condition {
  const oldest = waiting.oldest[0];
  const minutes = Math.floor(oldest.ageSeconds / 60);
  const statuses = Object.entries(waiting.byStatus)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const sent = oldest.txHash === null ? 'not yet broadcast' : `sent as ${oldest.txHash} (nonce ${oldest.nonce})`;
  return {
    severity,
    category: AlertCategory.TRANSACTION_PENDING,
    title: `${requests(waiting.count)} pending, the oldest for ${minutes} minutes`,
    message:
      `${requests(waiting.count)} accepted more than ${thresholdMinutes} minutes ago (PENDING_TX_THRESHOLD_MINUTES) ` +
      `${waiting.count === 1 ? 'is' : 'are'} still ` +
      `not in a block (${statuses}). The oldest, the ${oldest.kind} request ${oldest.id} of client '${oldest.clientId}', ` +
      `was accepted ${minutes} minutes ago (status ${oldest.status}, ${sent}). ` +
      'Stuck sends are replaced with higher fees automatically. Check /health for held sending (fees above MAX_FEE_PER_GAS_GWEI, ' +
      "a paused contract, a missing role), the blockchain breaker, the node's health and the hot wallet's ETH balance.",
    data: {
      count: waiting.count,
      by_status: waiting.byStatus,
      senders: waiting.senders,
      threshold_minutes: thresholdMinutes,
      oldest_age_minutes: Math.round((oldest.ageSeconds / 60) * 10) / 10,
      oldest: waiting.oldest.map((request) => ({
        tx_id: request.id,
        kind: request.kind,
        client_id: request.clientId,
        status: request.status,
        tx_hash: request.txHash,
        nonce: request.nonce,
        age_minutes: Math.round((request.ageSeconds / 60) * 10) / 10,
      })),
    },
    dedupKey: `transaction_pending:${severity}`,
  };
}
