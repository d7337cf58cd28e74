import { Inject, Injectable } from '@nestjs/common';
import { formatGwei } from 'viem';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../chain/chain.clients';
import { withTimeout } from '../common/with-timeout';
import { AppConfigService } from '../config/app-config.service';
import { type NonceSummary, nonceSummary } from '../nonce/dto/nonce-status.dto';
import { NonceManager } from '../nonce/nonce-manager.service';
import { SendingHolds } from '../transactions/pipeline/sending-holds';
import { TransactionSigner } from '../transactions/pipeline/transaction.signer';
import { TransactionRepository } from '../transactions/transaction.repository';
import { MonitorStatus, type MonitorStatusReport } from './monitor-status';

export interface MonitoringSummary {
  /** Accepted requests not yet confirmed or failed; null if the database did not answer in time. */
  pending_transactions: number | null;
  /** Of those, older than PENDING_TX_THRESHOLD_MINUTES. */
  stuck_transactions: number | null;
  stuck_threshold_minutes: number;
  /** Conditions holding accepted requests in the queue (fees above the cap, contract paused, role missing), as this instance saw them last. */
  sending_held: Array<{ reason: string; since: string; details: Record<string, string> }>;
  /** The node's gas price; null if the chain did not answer in time (or its breaker is open). */
  gas_price_gwei: string | null;
  /** The sending wallet's nonce counter against the chain; null if either did not answer in time. */
  nonce: NonceSummary | null;
  /** The periodic monitor: its last tick on any instance and the conditions it has raised; null if the database did not answer in time. */
  monitor: MonitorStatusReport | null;
}

/** The numbers an operator looks at first, for `/health`; each read has its own time budget. */
@Injectable()
export class MonitoringSummaryService {
  constructor(
    private readonly config: AppConfigService,
    private readonly transactions: TransactionRepository,
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
    private readonly holds: SendingHolds,
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly monitor: MonitorStatus,
  ) {}

  async summary(timeoutMs: number): Promise<MonitoringSummary> {
    const threshold = this.config.get('monitoring').pendingTxThresholdMinutes;
    const [backlog, gasPrice, nonce, monitor] = await Promise.all([
      withTimeout(
        this.transactions.backlog(threshold).catch(() => null),
        timeoutMs,
        null,
      ),
      withTimeout(
        this.client.getGasPrice().catch(() => null),
        timeoutMs,
        null,
      ),
      withTimeout(
        this.nonces.status(this.signer.address).catch(() => null),
        timeoutMs,
        null,
      ),
      withTimeout(
        this.monitor.report().catch(() => null),
        timeoutMs,
        null,
      ),
    ]);
    return {
      pending_transactions: backlog?.pending ?? null,
      stuck_transactions: backlog?.stuck ?? null,
      stuck_threshold_minutes: threshold,
      sending_held: this.holds.active().map((hold) => ({ reason: hold.reason, since: hold.since.toISOString(), details: hold.details })),
      gas_price_gwei: gasPrice === null ? null : formatGwei(gasPrice),
      nonce: nonce === null ? null : nonceSummary(nonce),
      monitor,
    };
  }
}
