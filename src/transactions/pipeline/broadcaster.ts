import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Hex } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { NonceManager } from '../../nonce/nonce-manager.service';
import { TransactionRepository } from '../transaction.repository';
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
 * Sends stored bytes and records what the node's answer means. It never decides that a
 * transaction did not land: "nonce too low", "already known" and "replacement underpriced"
 * may all mean that this very transaction (or an earlier attempt of it) is in, and a
 * timeout says nothing at all. Those leave the batch as it is for the confirmer, which
 * settles only on the chain's positive answers.
 */
@Injectable()
export class Broadcaster {
  private readonly logger = new Logger(Broadcaster.name);

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly repository: TransactionRepository,
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
      broadcasts.flatMap((broadcast, i) =>
        results[i].outcome === 'accepted' ? [] : [this.record(broadcast, results[i].outcome, results[i].failure)],
      ),
    );
    return results.map((result) => result.outcome);
  }

  private async record(broadcast: Broadcast, outcome: SendOutcome, failure: unknown): Promise<void> {
    const context = { batchId: broadcast.batchId, nonce: broadcast.nonce.toString(), hash: broadcast.hash, outcome };
    switch (outcome) {
      case 'nonce_too_low':
      case 'replacement_underpriced':
        // Maybe ours, maybe not: the confirmer finds out from the chain. Only the counter
        // moves, and only up, so that the next reservations do not collide again.
        this.logger.warn(context, 'node says the nonce is taken; the confirmer will settle whose transaction took it');
        // Raising the counter only saves the next sends a collision; if the chain cannot be read
        // now, the next "nonce too low" tries again. Nothing is settled either way.
        if (broadcast.fresh) {
          await this.nonces
            .syncFromChain(this.signer.address)
            .catch((error: unknown) =>
              this.logger.warn({ ...context, error: describeError(error) }, 'nonce counter not synced from chain'),
            );
        }
        return;
      case 'underpriced':
        this.logger.warn(context, 'node refuses the fees; the replacer re-signs with higher ones');
        return;
      case 'rejected':
        this.logger.error({ ...context, error: describeError(failure) }, 'node rejected a signed transaction');
        if (!broadcast.fresh) return;
        // Never sent before, and refused as malformed: nothing can have landed.
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
      case 'accepted':
        return;
    }
  }
}
