import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { type Address, formatGwei, parseTransaction } from 'viem';

import { ProcessRole } from '../../bootstrap/process-role';
import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionRepository } from '../transaction.repository';
import { BackgroundLoop, sleep } from './background-loop';
import { Broadcaster } from './broadcaster';
import { transactionOf } from './chain-lookup';
import { FeeOracle } from './fee.oracle';
import { type Fees, replacementFees, withinCap } from './fee.policy';
import type { StoredAttempt, UnfinishedBatch } from './pipeline.records';
import { SendingHolds } from './sending-holds';
import { TransactionSigner } from './transaction.signer';

/**
 * A `signed` row older than this was never confirmed sent (crash, RPC timeout): send its bytes
 * again. Longer than the RPC timeout, so a broadcast still waiting for its answer is not repeated.
 */
const REBROADCAST_AFTER_MS = 10_000;
const MAX_POLL_MS = 3_000;

/**
 * Keeps every stored transaction moving, for every wallet with work in flight:
 * - `signed` (never known sent) or `reorged` → the same bytes again (crash recovery, RPC
 *   timeouts, a block that left the chain); if the node refuses them as underpriced, a
 *   replacement with the same nonce and higher fees;
 * - `submitted` but unknown to the node (it lost its mempool) → the same bytes again at once;
 * - pending past `PENDING_TX_THRESHOLD_MINUTES` → a replacement with the same nonce and
 *   higher fees, which also revives a transaction dropped from the mempool.
 * A replacement never breaks `MAX_FEE_PER_GAS_GWEI`: above it the same bytes are sent again
 * and the transaction waits for the base fee to come down. Only the current signer's
 * transactions can be re-signed; an earlier signer's are re-broadcast as they are.
 */
@Injectable()
export class StuckTransactionReplacer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StuckTransactionReplacer.name);
  private readonly thresholdMs: number;
  private readonly loop: BackgroundLoop;

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly config: AppConfigService,
    private readonly repository: TransactionRepository,
    private readonly signer: TransactionSigner,
    private readonly fees: FeeOracle,
    private readonly broadcaster: Broadcaster,
    private readonly holds: SendingHolds,
    private readonly role: ProcessRole,
  ) {
    this.thresholdMs = config.get('monitoring').pendingTxThresholdMinutes * 60_000;
    const pollMs = Math.min(Math.max(this.thresholdMs / 4, 500), MAX_POLL_MS);
    this.loop = new BackgroundLoop('StuckTransactionReplacer', () => this.step(), sleep(pollMs));
  }

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(StuckTransactionReplacer.name, () => this.loop.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async step(): Promise<'idle'> {
    // One instance per wallet: two would sign competing replacements for the same nonce.
    for (const sender of await this.repository.sendersInFlight()) {
      await this.repository.withWalletRole('replacer', sender, () => this.moveStuck(sender));
    }
    return 'idle';
  }

  private async moveStuck(sender: Address): Promise<void> {
    const mined = BigInt(await this.client.getTransactionCount({ address: sender, blockTag: 'latest' }));
    const batches = (await this.repository.unfinishedBatches(sender)).filter((batch) => batch.nonce >= mined);
    const now = Date.now();
    const unsent = batches.filter((batch) => batch.status !== 'submitted' && now - batch.lastAttemptAt.getTime() > REBROADCAST_AFTER_MS);
    const stuck = batches.filter((batch) => batch.status === 'submitted' && now - batch.lastAttemptAt.getTime() > this.thresholdMs);
    const waiting = batches.filter(
      (batch) => batch.status === 'submitted' && now - batch.lastAttemptAt.getTime() > REBROADCAST_AFTER_MS && !stuck.includes(batch),
    );
    await this.reviveForgotten(waiting, mined);
    if (unsent.length + stuck.length === 0) return;
    const attempts = await this.repository.liveAttempts([...unsent, ...stuck].map((batch) => batch.batchId));
    const mine = sender.toLowerCase() === this.signer.address.toLowerCase();
    for (const batch of unsent) {
      const own = attempts.filter((attempt) => attempt.batchId === batch.batchId);
      const outcome = await this.rebroadcast(own);
      if (outcome === 'underpriced' && mine) await this.replace(batch, own);
    }
    for (const batch of stuck) {
      const own = attempts.filter((attempt) => attempt.batchId === batch.batchId);
      if (mine) await this.replace(batch, own);
      else await this.rebroadcast(own);
    }
  }

  /**
   * A node that restarts, or a provider that routes us to another node, may lose its pending
   * transactions; the next nonce to be mined then never is, and every later one waits behind
   * it until the stuck threshold (minutes). When the node positively answers that it does not
   * know any attempt of that next nonce, the waiting transactions' bytes go out again at once.
   * Sending the same signed bytes can never execute anything twice: the nonce allows one.
   */
  private async reviveForgotten(waiting: UnfinishedBatch[], mined: bigint): Promise<void> {
    const next = waiting.find((batch) => batch.nonce === mined);
    if (next === undefined) return;
    const nextAttempts = await this.repository.liveAttempts([next.batchId]);
    const lookups = await Promise.all(nextAttempts.map((attempt) => transactionOf(this.client, attempt.hash)));
    if (lookups.length === 0 || !lookups.every((lookup) => lookup.state === 'absent')) return;
    this.logger.warn(
      { nonce: next.nonce.toString(), waiting: waiting.length },
      'the node does not know the next pending transaction; sending the waiting transactions again',
    );
    const attempts = await this.repository.liveAttempts(waiting.map((batch) => batch.batchId));
    for (const batch of waiting) await this.rebroadcast(attempts.filter((attempt) => attempt.batchId === batch.batchId));
  }

  /** Sends the newest attempt's bytes again; what the node said of them. */
  private async rebroadcast(attempts: StoredAttempt[]) {
    const latest = attempts.at(-1);
    return latest === undefined ? undefined : this.broadcaster.send({ ...latest, fresh: false });
  }

  private async replace(batch: UnfinishedBatch, attempts: StoredAttempt[]): Promise<void> {
    const original = attempts.find((attempt) => attempt.purpose !== 'cancel');
    if (original === undefined) return void (await this.rebroadcast(attempts));
    const market = await this.fees.current();
    const fees = replacementFees(highestFees(attempts), market.fees);
    const cap = this.config.get('pipeline').maxFeePerGasWei;
    if (!withinCap(fees, cap)) {
      // Signed already, and valid: it waits for the base fee to fall, re-sent so it is not forgotten.
      this.holds.hold('fees_above_cap', { baseFeeGwei: formatGwei(market.baseFeePerGas), capGwei: formatGwei(cap!) });
      await this.rebroadcast(attempts);
      return;
    }
    const call = parseTransaction(original.raw);
    const { raw, hash } = await this.signer.sign({
      nonce: batch.nonce,
      to: call.to!,
      data: call.data!,
      gas: original.gasLimit || call.gas!,
      fees,
    });
    const attempt = {
      batchId: batch.batchId,
      nonce: batch.nonce,
      hash,
      raw,
      fees,
      gasLimit: original.gasLimit,
      purpose: 'replacement' as const,
      signedAtBlock: market.blockNumber,
    };
    const stored = await this.repository.transaction(async (manager) => {
      if (!(await this.repository.lockLiveBatch(manager, batch.batchId))) return false;
      await this.repository.storeReplacement(manager, attempt);
      return true;
    });
    if (!stored) return;
    this.logger.warn(
      { batchId: batch.batchId, nonce: batch.nonce.toString(), hash, maxFeePerGas: fees.maxFeePerGas.toString() },
      'replacing a stuck transaction',
    );
    await this.broadcaster.send({ ...attempt, fresh: false });
  }
}

function highestFees(attempts: StoredAttempt[]): Fees {
  return attempts.reduce<Fees>(
    (highest, attempt) => ({
      maxFeePerGas: attempt.fees.maxFeePerGas > highest.maxFeePerGas ? attempt.fees.maxFeePerGas : highest.maxFeePerGas,
      maxPriorityFeePerGas:
        attempt.fees.maxPriorityFeePerGas > highest.maxPriorityFeePerGas ? attempt.fees.maxPriorityFeePerGas : highest.maxPriorityFeePerGas,
    }),
    { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n },
  );
}
