import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { type Address, getAddress, type Hex, parseTransaction, type TransactionReceipt } from 'viem';

import { AlertCategory } from '../../alerting/alert.constants';
import { AlertService } from '../../alerting/alert.service';
import { ProcessRole } from '../../bootstrap/process-role';
import { type HavenPublicClient, LOOKUP_CLIENT } from '../../chain/chain.clients';
import { describeRevert } from '../../chain/revert-reason';
import { TransactionRepository } from '../transaction.repository';
import { AbsenceEvidence } from './absence-evidence';
import { BackgroundLoop, sleep } from './background-loop';
import type { BlockLink } from './canonical-chain';
import { type Lookup, lookupAll, type LookupGroup, lookupGroups, receiptOf, transactionOf } from './chain-lookup';
import { FinalityTracker } from './finality.tracker';
import { findNonceTaker } from './nonce-ownership';
import type { StoredAttempt, UnfinishedBatch } from './pipeline.records';
import { describeError, isRevertError } from './send-error.classifier';

const POLL_MS = 500;
/** Reverts that say nothing about the requests: the contract refused everyone. */
const GLOBAL_REVERT = /^(EnforcedPause|AccessControlUnauthorizedAccount)\(/;
/** Searches for a nonce's taker per wallet per poll; each is a handful of sequential reads, and the poll must stay short. */
const MAX_SEARCHES_PER_POLL = 16;
/** Lock name for the one instance that tracks finality for every wallet. */
const FINALITY_ROLE = 'finality';

/**
 * Settles sent transactions from the chain's positive answers only. Per wallet, the mined
 * nonce count says which batches the chain has passed; for those it looks up a receipt of
 * every attempt. A receipt found settles the batch (`mined`, then `confirmed` at
 * CONFIRMATIONS). A lookup that failed (timeout, 429, refusal, open breaker) changes nothing.
 * Only when the node answers, poll after poll at growing heads, that it knows none of the
 * attempts, is the transaction that took the nonce looked up in its block; if it is someone
 * else's and final, the requests go back to the queue. Wallets that are no longer the
 * signer (a restart with another key) are settled the same way.
 */
@Injectable()
export class ReceiptConfirmer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReceiptConfirmer.name);
  private readonly loop = new BackgroundLoop('ReceiptConfirmer', () => this.confirmMined(), sleep(POLL_MS));
  private readonly evidence = new AbsenceEvidence();
  private lastHead?: bigint;

  constructor(
    @Inject(LOOKUP_CLIENT) private readonly client: HavenPublicClient,
    private readonly repository: TransactionRepository,
    private readonly finality: FinalityTracker,
    private readonly alerts: AlertService,
    private readonly role: ProcessRole,
  ) {}

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(ReceiptConfirmer.name, () => this.loop.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async confirmMined(): Promise<'idle'> {
    // Nothing in flight or watched, nothing to ask the node: an idle service makes no RPC calls.
    // Before the first head is known, every recent settlement counts as watched.
    if (!(await this.repository.hasWork(this.finality.watchFrom(this.lastHead ?? 0n)))) return 'idle';
    const block = await this.client.getBlock({ blockTag: 'latest' });
    const head: BlockLink = { number: block.number, hash: block.hash, parentHash: block.parentHash };
    this.lastHead = head.number;
    const seen = new Set<string>();
    for (const sender of await this.repository.sendersInFlight()) {
      await this.repository.withWalletRole('confirmer', sender, async () => {
        for (const batchId of await this.settleInFlight(sender, head)) seen.add(batchId);
      });
    }
    this.evidence.retainOnly(seen);
    await this.repository.withWalletRole('confirmer', FINALITY_ROLE, () => this.finality.advance(head));
    return 'idle';
  }

  /**
   * Settles what the chain holds of one wallet's batches; returns the batches it looked at.
   * Receipts are read a group of batches at a time, and the next group's are on their way
   * while this group's are recorded: a block's worth of full batchMints is 14 MB of receipts
   * and ~10,000 rows, and neither the node nor the database waits for the other.
   */
  private async settleInFlight(sender: Address, head: BlockLink): Promise<string[]> {
    const mined = BigInt(await this.client.getTransactionCount({ address: sender, blockTag: 'latest' }));
    const batches = await this.repository.unfinishedBatches(sender, { belowNonce: mined });
    if (batches.length === 0) return [];
    const attempts = await this.repository.liveAttempts(batches.map((batch) => batch.batchId));
    const groups = lookupGroups(batches, attempts);
    const receiptsOf = (group: LookupGroup) =>
      lookupAll(
        group.attempts.map((attempt) => attempt.hash),
        (hash) => receiptOf(this.client, hash),
      );
    const unknown: UnfinishedBatch[] = [];
    let next = receiptsOf(groups[0]);
    for (const [index, group] of groups.entries()) {
      const receipts = await next;
      // Never rejects (a failed lookup is an answer of its own), so it may wait unobserved.
      if (index + 1 < groups.length) next = receiptsOf(groups[index + 1]);
      unknown.push(...(await this.settleGroup(sender, group, receipts, head)));
    }
    await this.weighAbsence(sender, unknown, attempts, head);
    return batches.map((batch) => batch.batchId);
  }

  /** Settles the batches whose receipts were found; returns those the node says it has no receipt for. */
  private async settleGroup(
    sender: Address,
    group: LookupGroup,
    receipts: Map<Hex, Lookup<TransactionReceipt>>,
    head: BlockLink,
  ): Promise<UnfinishedBatch[]> {
    const successes: Parameters<TransactionRepository['recordSuccess']>[0] = [];
    const unknown: UnfinishedBatch[] = [];
    for (const batch of group.batches) {
      const own = group.attempts.filter((attempt) => attempt.batchId === batch.batchId);
      const lookups = own.map((attempt) => receipts.get(attempt.hash)!);
      const foundAt = lookups.findIndex((lookup) => lookup.state === 'found');
      if (foundAt >= 0) {
        this.evidence.forget(batch.batchId);
        const [attempt, receipt] = [own[foundAt], (lookups[foundAt] as { value: TransactionReceipt }).value];
        const depth = head.number >= receipt.blockNumber ? head.number - receipt.blockNumber + 1n : 1n;
        const final = this.finality.isFinal(depth);
        if (attempt.purpose === 'send' || attempt.purpose === 'replacement') {
          if (receipt.status === 'success')
            successes.push({ batchId: batch.batchId, ...facts(receipt), confirmations: Number(depth), final });
          else if (final) await this.settleReverted(sender, attempt, receipt, depth);
        } else if (final) {
          // Our own no-op took the nonce: the requests were never executed.
          await this.requeueUnexecuted(attempt, 'a cancel took the nonce');
        }
      } else if (lookups.every((lookup) => lookup.state === 'absent')) {
        unknown.push(batch);
      }
      // Otherwise a lookup failed: no answer, no change, no evidence either way.
    }
    await this.repository.recordSuccess(successes);
    return unknown;
  }

  /**
   * Batches the node says it has no receipt for although their nonce is mined. A node that
   * knows any attempt (pending, or mined without a receipt indexed yet) wipes the evidence;
   * enough of it prompts the search for the transaction that took the nonce.
   */
  private async weighAbsence(sender: Address, batches: UnfinishedBatch[], attempts: StoredAttempt[], head: BlockLink): Promise<void> {
    if (batches.length === 0) return;
    const candidates = attempts.filter((attempt) => batches.some((batch) => batch.batchId === attempt.batchId));
    const known = await lookupAll(
      candidates.map((attempt) => attempt.hash),
      (hash) => transactionOf(this.client, hash),
    );
    let searches = 0;
    for (const batch of batches) {
      const own = candidates.filter((attempt) => attempt.batchId === batch.batchId);
      const lookups = own.map((attempt) => known.get(attempt.hash)!);
      if (lookups.some((lookup) => lookup.state === 'found')) this.evidence.forget(batch.batchId);
      else if (lookups.every((lookup) => lookup.state === 'absent')) this.evidence.observe(batch.batchId, head.number);
      if (searches < MAX_SEARCHES_PER_POLL && this.evidence.shouldSearch(batch.batchId, head.number)) {
        searches++;
        await this.settleForeignNonce(sender, batch, own, head);
      }
    }
  }

  private async settleForeignNonce(sender: Address, batch: UnfinishedBatch, attempts: StoredAttempt[], head: BlockLink): Promise<void> {
    const signedAt = attempts.map((attempt) => attempt.signedAtBlock ?? 0n);
    const from = signedAt.length === 0 ? 0n : signedAt.reduce((a, b) => (b < a ? b : a));
    const taker = await findNonceTaker(this.client, sender, batch.nonce, { from, head: head.number }).catch((error: unknown) => {
      this.logger.debug({ batchId: batch.batchId, error: describeError(error) }, 'could not tell who took the nonce yet');
      return undefined;
    });
    if (taker === undefined || taker === null) return;
    if (attempts.some((attempt) => attempt.hash === taker.hash)) {
      // Ours after all: the receipt is not indexed yet. Wait for it.
      this.evidence.forget(batch.batchId);
      return;
    }
    // Someone else's transaction holds the nonce in a block that will stay: nothing of ours can
    // take that nonce any more, however far the node answering us lags.
    if (!this.finality.isFinal(head.number - taker.blockNumber + 1n)) return;
    const requeued = await this.repository.transaction(async (manager) =>
      (await this.repository.lockLiveBatch(manager, batch.batchId)) ? this.repository.requeue(manager, batch.batchId) : 0,
    );
    this.evidence.forget(batch.batchId);
    if (requeued > 0) {
      this.logger.warn(
        {
          batchId: batch.batchId,
          sender,
          nonce: batch.nonce.toString(),
          takenBy: taker.hash,
          block: taker.blockNumber.toString(),
          requeued,
        },
        'nonce taken by a transaction that is not ours; requests re-queued',
      );
      this.alerts
        .raise({
          severity: 'critical',
          category: AlertCategory.NONCE_TAKEN_BY_FOREIGN_TRANSACTION,
          title: `Nonce ${batch.nonce} of the sending wallet taken by a foreign transaction`,
          message:
            `Transaction ${taker.hash} in block ${taker.blockNumber}, not sent by this service, used nonce ${batch.nonce} of ${getAddress(sender)}. ` +
            `The ${requeued} request(s) that nonce carried are back in the queue and go out under a new nonce. Something else ` +
            'signs with this key: find it and stop it, since every such send displaces one of ours and may spend its ETH.',
          data: {
            sender: getAddress(sender),
            nonce: batch.nonce.toString(),
            taken_by: taker.hash,
            block_number: taker.blockNumber.toString(),
            requeued,
          },
          dedupKey: `nonce_taken_by_foreign_transaction:${getAddress(sender)}:${batch.nonce}`,
        })
        .catch((error: unknown) => this.logger.error({ err: error, batchId: batch.batchId }, 'could not record the foreign-nonce alert'));
    }
  }

  /**
   * A final revert: the requests failed, unless the contract refused everyone (paused, the
   * signer without its role), in which case nothing was the requests' fault and they go back
   * to the queue. The reason comes from replaying the call; a replay that gets no answer
   * decides nothing.
   */
  private async settleReverted(sender: Address, attempt: StoredAttempt, receipt: TransactionReceipt, depth: bigint): Promise<void> {
    const reason = await this.revertReason(sender, attempt.raw, receipt.blockNumber);
    if (GLOBAL_REVERT.test(reason)) {
      await this.requeueUnexecuted(attempt, `reverted: ${reason}`);
      return;
    }
    await this.repository.transaction(async (manager) => {
      if (await this.repository.lockLiveBatch(manager, attempt.batchId)) {
        await this.repository.settleReverted(manager, attempt.batchId, facts(receipt), Number(depth), reason);
      }
    });
  }

  private async requeueUnexecuted(attempt: StoredAttempt, why: string): Promise<void> {
    const requeued = await this.repository.transaction(async (manager) =>
      (await this.repository.lockLiveBatch(manager, attempt.batchId))
        ? this.repository.requeueUnexecuted(manager, attempt.batchId, attempt.hash)
        : 0,
    );
    if (requeued > 0)
      this.logger.warn(
        { batchId: attempt.batchId, hash: attempt.hash, requeued, why },
        'nonce used without executing the requests; re-queued',
      );
  }

  /**
   * The revert reason the receipt lacks, read by replaying the call on the state before its
   * block. A transaction earlier in the same block (a pause, our role revoked) is invisible
   * there: when that replay names no contract-wide reason, the call is replayed on the state
   * after the block too, and a contract-wide reason there wins. Requeueing is the safe side of
   * that doubt: the reverted transaction changed nothing, and a request that failed for its own
   * reason fails again at its next estimate.
   */
  private async revertReason(sender: Address, raw: Hex, blockNumber: bigint): Promise<string> {
    const { to, data } = parseTransaction(raw);
    const call = { account: sender, to: to!, data };
    const before = await this.replay(call, blockNumber - 1n);
    if (before !== undefined && GLOBAL_REVERT.test(before)) return before;
    const after = await this.replay(call, blockNumber);
    if (after !== undefined && GLOBAL_REVERT.test(after)) return after;
    return before ?? after ?? 'reverted';
  }

  /** The reason the call reverts with on the state at the end of `blockNumber`; `undefined` if it succeeds. */
  private async replay(call: { account: Address; to: Address; data?: Hex }, blockNumber: bigint): Promise<string | undefined> {
    try {
      await this.client.call({ ...call, blockNumber });
      return undefined;
    } catch (error) {
      if (!isRevertError(error)) throw error;
      return describeRevert(error) ?? describeError(error).slice(0, 500);
    }
  }
}

const facts = (receipt: TransactionReceipt) => ({
  hash: receipt.transactionHash,
  blockNumber: receipt.blockNumber,
  blockHash: receipt.blockHash,
  gasUsed: receipt.gasUsed,
  effectiveGasPrice: receipt.effectiveGasPrice,
});
