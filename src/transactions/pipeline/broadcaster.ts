import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Hex } from 'viem';

import { AlertCategory } from '../../alerting/alert.constants';
import { type AlertInput, AlertService } from '../../alerting/alert.service';
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
  /** Whether this instance raised "cannot pay for gas" and has not seen a send accepted since. */
  private fundsShort = false;

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly repository: TransactionRepository,
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
    private readonly alerts: AlertService,
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
    if (this.fundsShort && results.some((result) => result.outcome === 'accepted')) {
      this.fundsShort = false;
      this.alerts
        .resolveCondition(`hot_wallet_insufficient_funds:${this.signer.address}`, 'pipeline')
        .catch((error: unknown) => this.logger.error({ err: error }, 'could not resolve the insufficient-funds alert'));
    }
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
        this.alert({
          severity: 'error',
          category: AlertCategory.TRANSACTION_REJECTED,
          title: 'Transaction rejected by the node',
          message:
            `The node refused the signed transaction ${broadcast.hash} (nonce ${broadcast.nonce}) for good: ${describeError(failure).slice(0, 500)}. ` +
            `The requests it carried (batch ${broadcast.batchId}) are failed and its nonce given back. This points at a bug or a ` +
            'misconfiguration (chain id, gas limit), not at the requests: check the error, fix it, then retry them from the admin API.',
          data: { batch_id: broadcast.batchId, tx_hash: broadcast.hash, nonce: broadcast.nonce.toString() },
          dedupKey: `transaction_rejected:${broadcast.batchId}`,
        });
        return;
      case 'insufficient_funds':
        this.logger.error(context, 'hot wallet cannot pay for gas; transaction kept for re-broadcast');
        this.fundsShort = true;
        this.alert({
          severity: 'critical',
          category: AlertCategory.HOT_WALLET_INSUFFICIENT_FUNDS,
          title: 'Hot wallet cannot pay for gas',
          message:
            `The node refused a transaction from ${this.signer.address} for insufficient funds: the sending wallet does not hold ` +
            'enough ETH for gas. No mint or redemption goes out until it is funded; accepted requests wait and are sent then. ' +
            'Send ETH to the wallet now.',
          data: { address: this.signer.address, batch_id: broadcast.batchId, nonce: broadcast.nonce.toString() },
          dedupKey: `hot_wallet_insufficient_funds:${this.signer.address}`,
        });
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

  /** Raising an alert must never stop a send: a failure to record it is logged. */
  private alert(alert: AlertInput): void {
    this.alerts
      .raise(alert)
      .catch((error: unknown) => this.logger.error({ err: error, category: alert.category }, 'could not record a pipeline alert'));
  }
}
