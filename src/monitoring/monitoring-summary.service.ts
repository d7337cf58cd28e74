import { Inject, Injectable } from '@nestjs/common';
import { formatGwei } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../chain/chain.clients';
import { withTimeout } from '../common/with-timeout';
import { AppConfigService } from '../config/app-config.service';
import { PipelineRepository } from '../transactions/pipeline/pipeline.repository';

export interface MonitoringSummary {
  /** Accepted requests not yet confirmed or failed; null if the database did not answer in time. */
  pending_transactions: number | null;
  /** Of those, older than PENDING_TX_THRESHOLD_MINUTES. */
  stuck_transactions: number | null;
  stuck_threshold_minutes: number;
  /** The node's gas price; null if the chain did not answer in time (or its breaker is open). */
  gas_price_gwei: string | null;
}

/** The numbers an operator looks at first, for `/health`; each read has its own time budget. */
@Injectable()
export class MonitoringSummaryService {
  constructor(
    private readonly config: AppConfigService,
    private readonly transactions: PipelineRepository,
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
  ) {}

  async summary(timeoutMs: number): Promise<MonitoringSummary> {
    const threshold = this.config.get('monitoring').pendingTxThresholdMinutes;
    const [backlog, gasPrice] = await Promise.all([
      withTimeout(this.transactions.backlog(threshold).catch(() => null), timeoutMs, null),
      withTimeout(this.client.getGasPrice().catch(() => null), timeoutMs, null),
    ]);
    return {
      pending_transactions: backlog?.pending ?? null,
      stuck_transactions: backlog?.stuck ?? null,
      stuck_threshold_minutes: threshold,
      gas_price_gwei: gasPrice === null ? null : formatGwei(gasPrice),
    };
  }
}
