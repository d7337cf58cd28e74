import { Inject, Injectable } from '@nestjs/common';
import { formatGwei } from 'viem';

import { AlertCategory } from '../../alerting/alert.constants';
import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { AppConfigService } from '../../config/app-config.service';
import { type Condition, ConditionTracker } from '../condition-tracker';
import { GAS_OBSERVATION, type GasObservation } from '../monitor.metrics';
import { MonitorStateRepository } from '../monitor-state.repository';
import { judgeGas } from './gas-baseline';
import type { MonitorCheck } from './monitor-check';

/**
 * The latest block's base fee (the gas price if the chain has none) against GAS_SPIKE_THRESHOLD ×
 * a baseline that updates itself from earlier readings (see `judgeGas`): one `gas_price_spike`
 * alert (warning) while above, resolved when back under. Reading and baseline are kept in
 * `monitor_state`, for the next tick and for `/metrics`.
 */
@Injectable()
export class GasPriceCheck implements MonitorCheck {
  readonly name = 'gas_price_spike';

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly config: AppConfigService,
    private readonly state: MonitorStateRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async run(): Promise<void> {
    const threshold = this.config.get('monitoring').gasSpikeThreshold;
    const block = await this.client.getBlock({ blockTag: 'latest' });
    const reading = block.baseFeePerGas ?? (await this.client.getGasPrice());
    const previous = await this.state.get<GasObservation>(GAS_OBSERVATION);
    const judged = judgeGas(previous === null ? null : BigInt(previous.baselineWei), reading, threshold);
    await this.state.set(GAS_OBSERVATION, { baseFeeWei: reading.toString(), baselineWei: judged.next.toString() } satisfies GasObservation);
    const holding: Condition[] = [];
    if (judged.spike) {
      const ratio = Math.round((Number(reading) / Number(judged.baseline)) * 10) / 10;
      holding.push({
        severity: 'warning',
        category: AlertCategory.GAS_PRICE_SPIKE,
        title: `Gas price spike: ${ratio}× the usual base fee`,
        message:
          `The base fee at block ${block.number} is ${formatGwei(reading)} gwei, ${ratio}× the baseline of ${formatGwei(judged.baseline)} gwei ` +
          `(GAS_SPIKE_THRESHOLD ${threshold}). Mints and redemptions cost more while it lasts; above MAX_FEE_PER_GAS_GWEI they wait in ` +
          'the queue. Usually nothing to do: spikes pass. If it lasts, decide whether to raise MAX_FEE_PER_GAS_GWEI.',
        data: {
          base_fee_gwei: formatGwei(reading),
          baseline_gwei: formatGwei(judged.baseline),
          ratio,
          threshold,
          block_number: block.number === null ? null : block.number.toString(),
        },
        dedupKey: 'gas_price_spike',
      });
    }
    await this.conditions.reconcile(this.name, holding);
  }
}
