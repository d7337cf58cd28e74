import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Address } from 'viem';

import { HavenTokenService } from '../chain/haven-token.service';
import { AppConfigService } from '../config/app-config.service';
import { WalletCustodyService } from '../custody/wallet-custody.service';
import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';
import { AddressNotOwnedError, InsufficientBalanceError } from '../token/token.errors';
import { formatTokenAmount } from '../token/token-amount';
import { TransactionQueries } from '../token/transaction-queries.service';
import { REORG_WATCH_MINUTES } from '../transactions/pipeline/finality.tracker';
import { QueuedWorkSignal } from '../transactions/queued-work.signal';
import { type Transaction, TRANSACTION_STATUSES, type TransactionStatus } from '../transactions/transaction.entity';
import { TransactionRepository } from '../transactions/transaction.repository';
import { type LegacyTransactionSummaryDto, RecentFailureDto, type TransactionStatusDto } from './dto/admin-transaction-status.dto';

const RECENT_FAILURES = 20;

const legacySummary = (row: Transaction): LegacyTransactionSummaryDto => ({
  tx_id: row.id,
  tx_hash: row.txHash,
  kind: row.kind,
  status: row.status,
  user_id: row.userId,
  amount: formatTokenAmount(row.amount),
  error_message: row.errorMessage,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
const SETTLED: readonly TransactionStatus[] = ['confirmed', 'failed'];

/** Only a `failed` request is retried, and only once its failed transaction can no longer come back with a reorg. */
export class TransactionNotRetryableError extends AppError {
  readonly code = ErrorCode.TRANSACTION_NOT_RETRYABLE;
  readonly status = HttpStatus.CONFLICT;
  constructor(txId: string, status: TransactionStatus, reorgWatchSeconds?: number) {
    super(
      reorgWatchSeconds === undefined
        ? `Transaction ${txId} is ${status}; only a failed transaction can be retried`
        : `Transaction ${txId} failed in a block still watched for reorgs; retry in ${reorgWatchSeconds} s`,
      reorgWatchSeconds === undefined ? 'Only a failed transaction can be retried.' : 'This transaction can be retried a little later.',
      reorgWatchSeconds === undefined ? { tx_id: txId, status } : { tx_id: txId, status, retry_after_seconds: reorgWatchSeconds },
    );
  }
}

/**
 * The admin's view of the pipeline as a whole (counts, backlog, failure rate, latest
 * failures) and its one way to act on a request: send a failed one again.
 */
@Injectable()
export class TransactionStatusService {
  constructor(
    private readonly config: AppConfigService,
    private readonly transactions: TransactionRepository,
    private readonly queries: TransactionQueries,
    private readonly token: HavenTokenService,
    private readonly queuedWork: QueuedWorkSignal,
    private readonly custody: WalletCustodyService,
  ) {}

  async report(hours: number): Promise<TransactionStatusDto> {
    const threshold = this.config.get('monitoring').pendingTxThresholdMinutes;
    const [byStatus, settled, failures, oldestPending] = await Promise.all([
      this.transactions.statusCounts(threshold),
      this.transactions.settledSince(hours),
      this.transactions.recentFailures(RECENT_FAILURES),
      this.transactions.oldestPending(RECENT_FAILURES),
    ]);
    const counts = Object.fromEntries(TRANSACTION_STATUSES.map((status) => [status, 0])) as Record<TransactionStatus, number>;
    let [pending, stuck] = [0, 0];
    for (const row of byStatus) {
      counts[row.status] = row.count;
      if (SETTLED.includes(row.status)) continue;
      pending += row.count;
      stuck += row.stuck;
    }
    const decided = settled.confirmed + settled.failed;
    return {
      counts,
      pending,
      stuck,
      stuckThresholdMinutes: threshold,
      failureRate: { hours, ...settled, rate: decided === 0 ? null : settled.failed / decided },
      recentFailures: failures.map((row) => RecentFailureDto.from(row)),
      total_pending: pending,
      total_failed: counts.failed,
      pending_transactions: oldestPending.map(legacySummary),
      failed_transactions: failures.map(legacySummary),
    };
  }

  /**
   * Puts a `failed` request back in the queue as a fresh one (see `requeueFailed`) and wakes
   * the sender. A redemption passes the checks a new one passes: the holder must still be one
   * of the user's wallets (a revoked one no longer is), and under the same holder lock, its
   * balance less every redemption of it not yet settled must cover it.
   */
  async retry(txId: string): Promise<Transaction> {
    const row = await this.queries.get(txId);
    if (row.status !== 'failed') throw new TransactionNotRetryableError(row.id, row.status);
    if (row.kind === 'burn' && !(await this.custody.ownsAddress(row.userId, row.address as Address))) {
      throw new AddressNotOwnedError(row.userId);
    }
    const requeue = (manager: EntityManager) => this.requeueLocked(manager, row);
    const retried =
      row.kind === 'burn'
        ? await this.transactions.withHolderLock(row.address as Address, requeue)
        : await this.transactions.transaction(requeue);
    this.queuedWork.notify();
    return retried;
  }

  private async requeueLocked(manager: EntityManager, row: Transaction): Promise<Transaction> {
    // Looked at again under the row's lock: another admin, or a reorg, may have moved it.
    const locked = await this.transactions.lockForRetry(manager, row.id, REORG_WATCH_MINUTES);
    if (locked === null || locked.status !== 'failed') throw new TransactionNotRetryableError(row.id, locked?.status ?? row.status);
    if (locked.reorgWatchSeconds > 0) throw new TransactionNotRetryableError(row.id, locked.status, locked.reorgWatchSeconds);
    if (row.kind === 'burn') {
      const holder = row.address as Address;
      const [balance, pending] = await Promise.all([this.token.balanceOf(holder), this.transactions.pendingBurns(manager, holder)]);
      const available = balance - pending;
      if (available < row.amount) throw new InsufficientBalanceError(formatTokenAmount(available > 0n ? available : 0n));
    }
    await this.transactions.requeueFailed(manager, row.id);
    return (await this.transactions.findById(row.id, manager))!;
  }
}
