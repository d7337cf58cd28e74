import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { parseTransaction } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { AppConfigService } from '../../config/app-config.service';
import { BackgroundLoop, sleep } from './background-loop';
import { Broadcaster } from './broadcaster';
import { FeeOracle } from './fee.oracle';
import { type Fees, replacementFees, withinCap } from './fee.policy';
import { PipelineRepository, type StoredAttempt, type UnfinishedBatch } from './pipeline.repository';
import { TransactionSigner } from './transaction.signer';

/** A `signed` row older than this was never confirmed sent (crash, RPC timeout): send its bytes again. */
const REBROADCAST_AFTER_MS = 3_000;
const CANCEL_GAS = 21_000n;

/**
 * Keeps every stored transaction moving:
 * - `signed` but not known to be sent → the same bytes again (crash recovery, RPC timeouts);
 * - pending past `PENDING_TX_THRESHOLD_MINUTES` → a replacement with the same nonce and
 *   higher fees, which also revives a transaction dropped from the mempool;
 * - if that replacement would break `MAX_FEE_PER_GAS_GWEI` → an uncapped zero-value
 *   self-transfer cancels the nonce, and the requests are re-queued once it is mined.
 */
@Injectable()
export class StuckTransactionReplacer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StuckTransactionReplacer.name);
  private readonly thresholdMs: number;
  private readonly loop: BackgroundLoop;

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly config: AppConfigService,
    private readonly repository: PipelineRepository,
    private readonly signer: TransactionSigner,
    private readonly fees: FeeOracle,
    private readonly broadcaster: Broadcaster,
  ) {
    this.thresholdMs = config.get('monitoring').pendingTxThresholdMinutes * 60_000;
    const pollMs = Math.min(Math.max(this.thresholdMs / 4, 500), 15_000);
    this.loop = new BackgroundLoop('StuckTransactionReplacer', () => this.step(), sleep(pollMs));
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async step(): Promise<'idle'> {
    // One instance per wallet: two would sign competing replacements for the same nonce.
    await this.repository.transaction(async (manager) => {
      if (await this.repository.tryLockWalletRole(manager, 'replacer', this.signer.address)) await this.moveStuck();
    });
    return 'idle';
  }

  private async moveStuck(): Promise<void> {
    if ((await this.repository.inFlightCount(this.signer.address)) === 0) return;
    const mined = BigInt(await this.client.getTransactionCount({ address: this.signer.address, blockTag: 'latest' }));
    const batches = (await this.repository.unfinishedBatches(this.signer.address)).filter((batch) => batch.nonce >= mined);
    const now = Date.now();
    const unsent = batches.filter((batch) => batch.status === 'signed' && now - batch.lastAttemptAt.getTime() > REBROADCAST_AFTER_MS);
    const stuck = batches.filter((batch) => batch.status === 'submitted' && now - batch.lastAttemptAt.getTime() > this.thresholdMs);
    if (unsent.length + stuck.length === 0) return;
    const attempts = await this.repository.liveAttempts([...unsent, ...stuck].map((batch) => batch.batchId));
    for (const batch of unsent) {
      const latest = attempts.filter((attempt) => attempt.batchId === batch.batchId).at(-1);
      if (latest) await this.broadcaster.send({ ...latest, fresh: false });
    }
    for (const batch of stuck) await this.replace(batch, attempts.filter((attempt) => attempt.batchId === batch.batchId));
  }

  private async replace(batch: UnfinishedBatch, attempts: StoredAttempt[]): Promise<void> {
    const original = attempts.find((attempt) => attempt.purpose !== 'cancel') ?? attempts[0];
    if (original === undefined) return;
    const previous = highestFees(attempts);
    const fees = replacementFees(previous, await this.fees.current());
    const cancel = attempts.some((attempt) => attempt.purpose === 'cancel') || !withinCap(fees, this.config.get('pipeline').maxFeePerGasWei);
    const call = parseTransaction(original.raw);
    const { raw, hash } = await this.signer.sign(
      cancel
        ? { nonce: batch.nonce, to: this.signer.address, data: '0x', gas: CANCEL_GAS, fees }
        : { nonce: batch.nonce, to: call.to!, data: call.data!, gas: original.gasLimit || call.gas!, fees },
    );
    const attempt = { batchId: batch.batchId, nonce: batch.nonce, hash, raw, fees, gasLimit: cancel ? CANCEL_GAS : original.gasLimit, purpose: cancel ? ('cancel' as const) : ('replacement' as const) };
    const stored = await this.repository.transaction(async (manager) => {
      if (!(await this.repository.lockLiveBatch(manager, batch.batchId))) return false;
      await this.repository.storeReplacement(manager, attempt);
      return true;
    });
    if (!stored) return;
    this.logger.warn(
      { batchId: batch.batchId, nonce: batch.nonce.toString(), hash, purpose: attempt.purpose, maxFeePerGas: fees.maxFeePerGas.toString() },
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
