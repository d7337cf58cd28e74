import { Inject, Injectable } from '@nestjs/common';

import type { HavenPublicClient } from '../chain/chain.clients';
import { AppConfigService } from '../config/app-config.service';
import { MonitorStatus } from '../monitoring/monitor-status';
import { type MonitoringSummary, MonitoringSummaryService } from '../monitoring/monitoring-summary.service';
import { NONCE_STORE, type NonceStore } from '../nonce/nonce.store';
import { NonceManager } from '../nonce/nonce-manager.service';
import { SendingHolds } from '../transactions/pipeline/sending-holds';
import { TransactionSigner } from '../transactions/pipeline/transaction.signer';
import { TransactionRepository } from '../transactions/transaction.repository';
import { PROBE_CHAIN_CLIENT } from './probe-chain.client';

/**
 * The monitoring summary as `/health` shows it: the same service and nonce manager as
 * everywhere, built over the probe client, so the gas price and nonce reads a probe makes
 * never count towards (or against) the `blockchain` breaker. The nonce store is the
 * application's own (in Redis or in process), so the counters are the ones the senders use.
 */
@Injectable()
export class ProbeMonitoring {
  private readonly service: MonitoringSummaryService;

  constructor(
    config: AppConfigService,
    transactions: TransactionRepository,
    signer: TransactionSigner,
    holds: SendingHolds,
    @Inject(NONCE_STORE) store: NonceStore,
    @Inject(PROBE_CHAIN_CLIENT) client: HavenPublicClient,
    monitor: MonitorStatus,
  ) {
    const nonces = new NonceManager(store, client, config);
    nonces.useStoredNonces((address) => transactions.heldNonces(address, 0n));
    this.service = new MonitoringSummaryService(config, transactions, nonces, signer, holds, client, monitor);
  }

  summary(timeoutMs: number): Promise<MonitoringSummary> {
    return this.service.summary(timeoutMs);
  }
}
