import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { type Hex, parseTransaction, type TransactionReceipt } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { describeRevert } from '../../chain/revert-reason';
import { BackgroundLoop, sleep } from './background-loop';
import { PipelineRepository, type StoredAttempt } from './pipeline.repository';
import { describeError } from './send-error.classifier';
import { TransactionSigner } from './transaction.signer';

const POLL_MS = 500;
/**
 * A nonce the chain has passed with none of our attempts found mined: another transaction
 * took it. RPC nodes behind a load balancer can lag each other, so this must hold for a
 * while before the requests are re-queued; re-queuing a mined request would mint twice.
 */
const NOT_OURS_GRACE_MS = 30_000;

/**
 * Settles sent transactions. The wallet's mined nonce count says which nonces are final;
 * only those are looked up, one receipt per live attempt, so the cost follows the chain's
 * progress, not the number of pending requests.
 */
@Injectable()
export class ReceiptConfirmer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReceiptConfirmer.name);
  private readonly loop = new BackgroundLoop('ReceiptConfirmer', () => this.confirmMined(), sleep(POLL_MS));
  private readonly unmatchedSince = new Map<string, number>();

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly repository: PipelineRepository,
    private readonly signer: TransactionSigner,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async confirmMined(): Promise<'idle'> {
    await this.repository.transaction(async (manager) => {
      if (!(await this.repository.tryLockWalletRole(manager, 'confirmer', this.signer.address))) return;
      // Nothing in flight, nothing to ask the node: an idle service makes no RPC calls.
      if ((await this.repository.inFlightCount(this.signer.address)) === 0) return;
      const mined = BigInt(await this.client.getTransactionCount({ address: this.signer.address, blockTag: 'latest' }));
      const batches = await this.repository.unfinishedBatches(this.signer.address, { belowNonce: mined });
      if (batches.length === 0) return;
      const attempts = await this.repository.liveAttempts(batches.map((batch) => batch.batchId));
      const receipts = await Promise.all(attempts.map((attempt) => this.receipt(attempt.hash)));
      const winners = new Map<string, { attempt: StoredAttempt; receipt: TransactionReceipt }>();
      attempts.forEach((attempt, i) => receipts[i] && winners.set(attempt.batchId, { attempt, receipt: receipts[i] }));

      const plain = [...winners.values()].filter(({ attempt, receipt }) => attempt.purpose !== 'cancel' && receipt.status === 'success');
      await this.repository.settleConfirmed(manager, plain.map(({ attempt, receipt }) => ({ batchId: attempt.batchId, ...facts(receipt) })));
      for (const batch of batches) {
        const winner = winners.get(batch.batchId);
        if (winner === undefined) await this.handleUnmatched(batch.batchId);
        else this.unmatchedSince.delete(batch.batchId);
        if (winner !== undefined && !plain.includes(winner)) await this.settle(winner.attempt, winner.receipt);
      }
    });
    return 'idle';
  }

  private async settle(attempt: StoredAttempt, receipt: TransactionReceipt): Promise<void> {
    const settled = facts(receipt);
    const revertReason = receipt.status === 'reverted' ? await this.revertReason(attempt.raw, receipt.blockNumber) : undefined;
    await this.repository.transaction(async (manager) => {
      if (!(await this.repository.lockLiveBatch(manager, attempt.batchId))) return;
      if (attempt.purpose === 'cancel') {
        // The no-op took the nonce: the requests were never executed and go back to the queue.
        await this.repository.requeueAfterCancel(manager, attempt.batchId, attempt.hash);
        return;
      }
      await this.repository.settle(manager, attempt.batchId, settled, receipt.status === 'success' ? 'confirmed' : 'failed', revertReason);
    });
  }

  private async handleUnmatched(batchId: string): Promise<void> {
    const since = this.unmatchedSince.get(batchId) ?? Date.now();
    this.unmatchedSince.set(batchId, since);
    if (Date.now() - since < NOT_OURS_GRACE_MS) return;
    this.unmatchedSince.delete(batchId);
    this.logger.warn({ batchId }, 'nonce used by a transaction that is not ours; requests re-queued');
    await this.repository.transaction(async (manager) => {
      if (await this.repository.lockLiveBatch(manager, batchId)) await this.repository.requeue(manager, batchId);
    });
  }

  private receipt(hash: Hex): Promise<TransactionReceipt | null> {
    return this.client.getTransactionReceipt({ hash }).catch(() => null);
  }

  /** Replays the call at the block before, to read the revert reason the receipt lacks. */
  private async revertReason(raw: Hex, blockNumber: bigint): Promise<string> {
    const transaction = parseTransaction(raw);
    try {
      await this.client.call({ account: this.signer.address, to: transaction.to!, data: transaction.data, blockNumber: blockNumber - 1n });
      return 'reverted';
    } catch (error) {
      return describeRevert(error) ?? describeError(error).slice(0, 500);
    }
  }
}

const facts = (receipt: TransactionReceipt) => ({
  hash: receipt.transactionHash,
  blockNumber: receipt.blockNumber,
  gasUsed: receipt.gasUsed,
  effectiveGasPrice: receipt.effectiveGasPrice,
});
