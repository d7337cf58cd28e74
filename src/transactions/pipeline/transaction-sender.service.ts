import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { BLOCKCHAIN_BREAKER, type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import type { CircuitBreaker } from '../../circuit-breaker/circuit-breaker';
import { CircuitBreakerRegistry } from '../../circuit-breaker/circuit-breaker.registry';
import { describeRevert } from '../../chain/revert-reason';
import { AppConfigService } from '../../config/app-config.service';
import { NONCE_LEASE_MS, NonceManager } from '../../nonce/nonce-manager.service';
import { TransactionDispatcher } from '../transaction-dispatcher';
import { BackgroundLoop } from './background-loop';
import { Broadcaster } from './broadcaster';
import { FeeOracle } from './fee.oracle';
import { capped } from './fee.policy';
import { type SignedAttempt, PipelineRepository } from './pipeline.repository';
import { describeError } from './send-error.classifier';
import { planSends, type PlannedSend, type QueuedRequest } from './send.plan';
import { TransactionSigner } from './transaction.signer';

/** Requests claimed per step. */
const CLAIM_LIMIT = 200;
const IDLE_POLL_MS = 250;
/**
 * Estimates are exact for the state they ran on. A mint can only get cheaper before it runs
 * (a recipient's or the supply's first credit is the dearest), a burn may not: it gets more
 * slack. Every unit of slack is block space other mints cannot use.
 */
const GAS_MARGIN_PERCENT = { mint: 102n, burn: 110n } as const;

/**
 * Claims queued requests (any number of instances, `FOR UPDATE SKIP LOCKED`), signs them
 * with nonces from the nonce manager, stores nonce and signed bytes, then broadcasts.
 * Storing comes first: a crash after it re-broadcasts the same bytes, a crash before it
 * leaves the request queued and its nonce to reconciliation. Never a second signature.
 */
@Injectable()
export class TransactionSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TransactionSender.name);
  private readonly loop: BackgroundLoop;
  /** Requests whose batch would revert: sent alone next time, so only the bad one fails. */
  private readonly sendAlone = new Set<string>();
  private readonly chainBreaker: CircuitBreaker;

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly config: AppConfigService,
    private readonly repository: PipelineRepository,
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
    private readonly fees: FeeOracle,
    private readonly broadcaster: Broadcaster,
    private readonly dispatcher: TransactionDispatcher,
    breakers: CircuitBreakerRegistry,
  ) {
    this.chainBreaker = breakers.register(BLOCKCHAIN_BREAKER);
    this.loop = new BackgroundLoop('TransactionSender', () => this.sendQueued(), (signal) => this.dispatcher.waitForWork(IDLE_POLL_MS, signal));
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One step: claim, sign, store, broadcast. 'idle' when nothing could be sent. */
  async sendQueued(): Promise<'busy' | 'idle'> {
    // While the chain is known to be down, requests wait in the queue rather than fail.
    if (this.chainBreaker.isRefusing()) return 'idle';
    const room = this.config.get('pipeline').maxInFlight - (await this.repository.inFlightCount(this.signer.address));
    if (room <= 0) return 'idle';
    const signed = await this.repository.transaction((manager) => this.claimAndSign(manager, Math.min(room, CLAIM_LIMIT)));
    if (signed.length === 0) return 'idle';
    await this.broadcaster.sendAll(signed.map((attempt) => ({ ...attempt, fresh: true })));
    return 'busy';
  }

  private async claimAndSign(manager: EntityManager, limit: number): Promise<SignedAttempt[]> {
    const requests = await this.repository.lockQueued(manager, limit);
    if (requests.length === 0) return [];
    const pipeline = this.config.get('pipeline');
    const fees = capped(await this.fees.current(), pipeline.maxFeePerGasWei);
    if (fees === null) {
      this.logger.warn('network fees are above MAX_FEE_PER_GAS_GWEI; requests stay queued');
      return [];
    }
    const plans = this.plan(requests, pipeline.batchMintMaxSize);
    const gasLimits = await Promise.all(plans.map((plan) => this.estimateGas(manager, plan)));
    const sendable = plans.flatMap((plan, i) => (gasLimits[i] === null ? [] : [{ plan, gas: gasLimits[i]! }]));

    const leaseStart = Date.now();
    // Reserved together, so the nonce store serves them in one round trip; handed out in
    // plan order, so older requests get lower nonces.
    const nonces = (await Promise.all(sendable.map(() => this.nonces.reserve(this.signer.address)))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const to = this.config.get('chain').contractAddress;
    const signed = await this.signer.signAll(sendable.map(({ plan, gas }, i) => ({ nonce: nonces[i], to, data: plan.data, gas, fees })));
    const attempts: SignedAttempt[] = sendable.map(({ plan, gas }, i) => ({
      batchId: plan.lead.id,
      nonce: nonces[i],
      hash: signed[i].hash,
      raw: signed[i].raw,
      fees,
      gasLimit: gas,
      purpose: 'send' as const,
    }));
    await this.repository.storeSigned(
      manager,
      attempts.map((attempt, i) => ({ attempt, requestIds: sendable[i].plan.requests.map((request) => request.id) })),
      this.signer.address,
    );
    // Past the lease, reconciliation may already have recycled these nonces: storing them
    // now could hand one nonce to two transactions. Roll back; the requests stay queued.
    if (Date.now() - leaseStart > NONCE_LEASE_MS / 2) throw new Error('nonce lease expired before the sends were stored');
    return attempts;
  }

  private plan(requests: QueuedRequest[], batchMaxSize: number): PlannedSend[] {
    const alone = requests.filter((request) => this.sendAlone.has(request.id));
    const together = requests.filter((request) => !this.sendAlone.has(request.id));
    return [...planSends(together, batchMaxSize), ...planSends(alone, 1)];
  }

  /** `null` when the call would revert: a lone request fails now, a batch is split up. */
  private async estimateGas(manager: EntityManager, plan: PlannedSend): Promise<bigint | null> {
    try {
      const gas = await this.client.estimateGas({
        account: this.signer.address,
        to: this.config.get('chain').contractAddress,
        data: plan.data,
      });
      return (gas * GAS_MARGIN_PERCENT[plan.lead.kind]) / 100n;
    } catch (error) {
      if (!isRevert(error)) throw error;
      if (plan.requests.length > 1) {
        for (const request of plan.requests) this.sendAlone.add(request.id);
        return null;
      }
      this.sendAlone.delete(plan.lead.id);
      await this.repository.markFailed(manager, [plan.lead.id], 'TRANSACTION_REVERTED', describeRevert(error) ?? describeError(error));
      return null;
    }
  }
}

function isRevert(error: unknown): boolean {
  return /revert|execution reverted/i.test(describeError(error));
}
