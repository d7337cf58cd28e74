import { Inject, Injectable } from '@nestjs/common';
import { formatEther } from 'viem';

import { AlertCategory } from '../../alerting/alert.constants';
import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionSigner } from '../../transactions/pipeline/transaction.signer';
import { type Condition, ConditionTracker } from '../condition-tracker';
import { BALANCE_OBSERVATION, type BalanceObservation } from '../monitor.metrics';
import { MonitorStateRepository } from '../monitor-state.repository';
import type { MonitorCheck } from './monitor-check';

/**
 * The sending wallet's ETH below HOT_WALLET_MIN_BALANCE_ETH: one `hot_wallet_low_balance` alert
 * (warning), ahead of the wallet being unable to pay gas at all; resolved once it is refilled.
 */
@Injectable()
export class HotWalletCheck implements MonitorCheck {
  readonly name = 'hot_wallet_low_balance';

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly config: AppConfigService,
    private readonly signer: TransactionSigner,
    private readonly state: MonitorStateRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async run(): Promise<void> {
    const minimum = this.config.get('monitoring').hotWalletMinBalanceWei;
    const address = this.signer.address;
    const balance = await this.client.getBalance({ address });
    await this.state.set(BALANCE_OBSERVATION, { address, balanceWei: balance.toString() } satisfies BalanceObservation);
    const holding: Condition[] = [];
    if (balance < minimum) {
      holding.push({
        severity: 'warning',
        category: AlertCategory.HOT_WALLET_LOW_BALANCE,
        title: `Hot wallet low on ETH: ${formatEther(balance)} ETH`,
        message:
          `The sending wallet ${address} holds ${formatEther(balance)} ETH, below HOT_WALLET_MIN_BALANCE_ETH (${formatEther(minimum)} ETH). ` +
          'Once it cannot pay for gas, no mint or redemption goes out. Send ETH to it; this alert resolves itself once the balance is back above the minimum.',
        data: { address, balance_eth: formatEther(balance), minimum_eth: formatEther(minimum) },
        dedupKey: `hot_wallet_low_balance:${address}`,
      });
    }
    await this.conditions.reconcile(this.name, holding);
  }
}
