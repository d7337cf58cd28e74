import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Hex } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { NonceManager } from '../../nonce/nonce-manager.service';
import { PipelineRepository } from './pipeline.repository';
import { classifySendError, describeError, type SendOutcome } from './send-error.classifier';
import { TransactionSigner } from './transaction.signer';

export interface Broadcast {
  batchId: string;
  hash: Hex;
  raw: Hex;
  nonce: bigint;
  /** The first send of a nonce just reserved, as opposed to a re-broadcast or a replacement. */
  fresh: boolean;
}

/**
 * Sends stored bytes and records what the node's answer means. Only a fresh send may give
 * its nonce back or go back to the queue: for anything sent before, "nonce too low" may
 * mean it was mined, which only the confirmer can tell.
 */
@Injectable()
export class Broadcaster {
  private readonly logger = new Logger(Broadcaster.name);

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly repository: PipelineRepository,
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
  ) {}

  async send(broadcast: Broadcast): Promise<SendOutcome> {
    return (await this.sendAll([broadcast]))[0];
  }

  /** Broadcasts concurrently (one JSON-RPC batch); accepted ones are recorded together. */
  async sendAll(broadcasts: Broadcast[]): Promise<SendOutcome[]> {
    const results = await Promise.all(
      broadcasts.map((broadcast) =>
        this.client.sendRawTransaction({ serializedTransaction: broadcast.raw }).then(
          () => ({ outcome: 'accepted' as SendOutcome, failure: undefined as unknown }),
          (failure: unknown) => ({ outcome: classifySendError(failure), failure }),
        ),
      ),
    );
    await this.repository.markSubmitted(broadcasts.filter((_, i) => results[i].outcome === 'accepted'));
    await Promise.all(
      broadcasts.map((broadcast, i) => (results[i].outcome === 'accepted' ? undefined : this.record(broadcast, results[i].outcome, results[i].failure))),
    );
    return results.map((result) => result.outcome);
  }

  private async record(broadcast: Broadcast, outcome: SendOutcome, failure: unknown): Promise<void> {
    const context = { batchId: broadcast.batchId, nonce: broadcast.nonce.toString(), hash: broadcast.hash, outcome };
    switch (outcome) {
      case 'accepted':
        return this.repository.markSubmitted([broadcast]);
      case 'nonce_too_low':
      case 'replacement_underpriced':
        if (await this.isMined(broadcast.hash)) return this.repository.markSubmitted([broadcast]);
        if (!broadcast.fresh) return;
        // Our fresh transaction can never take this nonce: someone else has it. Requeue
        // under a new nonce and move the counter past the chain's.
        this.logger.warn(context, 'nonce taken by another transaction; request re-queued');
        await this.repository.transaction((manager) => this.repository.requeue(manager, broadcast.batchId));
        await this.nonces.syncFromChain(this.signer.address);
        return;
      case 'rejected':
        this.logger.error({ ...context, error: describeError(failure) }, 'node rejected a signed transaction');
        if (!broadcast.fresh) return;
        await this.repository.transaction((manager) => this.repository.failUnsendable(manager, broadcast.batchId, describeError(failure)));
        await this.nonces.release(this.signer.address, [broadcast.nonce]);
        return;
      case 'insufficient_funds':
        this.logger.error(context, 'hot wallet cannot pay for gas; transaction kept for re-broadcast');
        return;
      case 'not_sent':
        // Stays `signed`; the replacer re-broadcasts the same bytes once the chain is back.
        return;
      case 'unknown':
        // Stays `signed`: re-broadcast later with the same bytes, so it cannot land twice.
        this.logger.warn({ ...context, error: describeError(failure) }, 'broadcast outcome unknown; will re-broadcast');
        return;
    }
  }

  private async isMined(hash: Hex): Promise<boolean> {
    return this.client.getTransactionReceipt({ hash }).then(
      () => true,
      () => false,
    );
  }
}
