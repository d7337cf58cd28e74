import { Injectable } from '@nestjs/common';

import { AlertCategory } from '../../alerting/alert.constants';
import { NonceManager } from '../../nonce/nonce-manager.service';
import { TransactionSigner } from '../../transactions/pipeline/transaction.signer';
import { type Condition, ConditionTracker } from '../condition-tracker';
import { MonitorStateRepository } from '../monitor-state.repository';
import type { MonitorCheck } from './monitor-check';

/** What the previous tick saw of the sending wallet's nonces. */
interface NonceWatch {
  address: string;
  gaps: string[];
  behind: boolean;
}

const STATE_KEY = 'nonce_watch';

/**
 * The sending wallet's nonce counter against the chain (`NonceManager.status`), under category
 * `nonce_drift`. Both are normal for a moment (a reservation on its way to the database, a
 * counter raised on the next send), so only what two ticks in a row see is raised:
 * - gaps (nonces handed out, neither stored nor recycled) that stay: every transaction above
 *   them waits (error, `nonce_drift:<address>:gaps`);
 * - the counter behind the chain's mined count: something else sends from the wallet
 *   (warning, `nonce_drift:<address>:behind`).
 * Each resolves when the next tick no longer sees it.
 */
@Injectable()
export class NonceDriftCheck implements MonitorCheck {
  readonly name = 'nonce_drift';

  constructor(
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
    private readonly state: MonitorStateRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async run(): Promise<void> {
    const status = await this.nonces.status(this.signer.address);
    const now: NonceWatch = {
      address: status.address,
      gaps: status.gaps.map(String),
      behind: status.counter !== null && status.counter < status.chain.latest,
    };
    const before = await this.state.get<NonceWatch>(STATE_KEY);
    await this.state.set(STATE_KEY, now);
    const seenBefore: Pick<NonceWatch, 'gaps' | 'behind'> =
      before !== null && before.address === now.address ? before : { gaps: [], behind: false };
    const lasting = now.gaps.filter((gap) => seenBefore.gaps.includes(gap));
    const holding: Condition[] = [];
    if (lasting.length > 0) {
      holding.push({
        severity: 'error',
        category: AlertCategory.NONCE_DRIFT,
        title: `Nonce gap on the sending wallet: ${lasting.join(', ')}`,
        message:
          `Nonces ${lasting.join(', ')} of ${now.address} were handed out but are neither stored with a transaction nor given back, ` +
          `and have stayed so for two monitor ticks; transactions above them cannot be mined (chain at ${status.chain.latest}, ` +
          `counter at ${status.counter}). The gap healer fills such holes with no-op transactions; if this persists, check its logs ` +
          'and GET /api/v1/admin/health/nonce-status/{address}; POST /api/v1/admin/health/nonce-reset/{address} rebuilds the counter.',
        data: {
          address: now.address,
          gaps: lasting,
          counter: status.counter?.toString() ?? null,
          chain_latest: status.chain.latest.toString(),
        },
        dedupKey: `nonce_drift:${now.address}:gaps`,
      });
    }
    if (now.behind && seenBefore.behind) {
      holding.push({
        severity: 'warning',
        category: AlertCategory.NONCE_DRIFT,
        title: 'Nonce counter behind the chain',
        message:
          `The nonce counter of ${now.address} (${status.counter}) is behind the chain's mined count (${status.chain.latest}): ` +
          'transactions were sent from this wallet by something other than this service, or the counter was rolled back. ' +
          "The next send resyncs it; find out what else uses the key, since competing senders replace each other's transactions.",
        data: { address: now.address, counter: status.counter?.toString() ?? null, chain_latest: status.chain.latest.toString() },
        dedupKey: `nonce_drift:${now.address}:behind`,
      });
    }
    await this.conditions.reconcile(this.name, holding);
  }
}
