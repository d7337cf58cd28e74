import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { formatGwei } from 'viem';

import { ProcessRole } from '../../bootstrap/process-role';
import { BLOCKCHAIN_BREAKER, type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { describeRevert } from '../../chain/revert-reason';
import type { CircuitBreaker } from '../../circuit-breaker/circuit-breaker';
import { CircuitBreakerRegistry } from '../../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../../config/app-config.service';
import { NONCE_LEASE_MS, NonceManager } from '../../nonce/nonce-manager.service';
import { QueuedWorkSignal } from '../queued-work.signal';
import { TransactionRepository } from '../transaction.repository';
import { BackgroundLoop } from './background-loop';
import { Broadcaster } from './broadcaster';
import { ContractConditions } from './contract-conditions';
import { FeeOracle } from './fee.oracle';
import { type Fees, feesUnderCap } from './fee.policy';
import { type Claim, NonceLeaseExpiredError, type SignedAttempt } from './pipeline.records';
import { RecentIds } from './recent-ids';
import { type PlannedSend, planSends, type QueuedRequest } from './send.plan';
import { describeError, isRevertError } from './send-error.classifier';
import { SendingHolds } from './sending-holds';
import { TransactionSigner } from './transaction.signer';

/** Transactions signed per step: one JSON-RPC batch of estimates and of sends. */
const SENDS_PER_STEP = 200;
/**
 * Requests claimed per step. Batched, a step of 40 full batchMints estimates, stores and sends
 * as much as 4,000 lone mints would and in as many round trips as one: per-step costs (claim,
 * store, mark submitted) are paid per 4,000 requests, not per 200. Two instances' four steps
 * then carry 160 batchMints, more than the 105 a block of Base's gas limit holds, so a round
 * of steps fills a block even when bulk intake slows each step to longer than a block; at
 * 2,000 a round carried 80 (bench:mint, batched through bulk intake: 77-78 % of the ceiling
 * end to end against 83-85 % at 4,000).
 */
export const CLAIM_LIMIT = 4_000;
/** How long a claim holds its rows: far beyond one step, short enough that a dead sender's rows soon move. */
const CLAIM_LEASE_MS = 30_000;
const IDLE_POLL_MS = 250;
/**
 * Steps each instance runs at once. A step spends most of its time waiting (node: estimates,
 * sends; database: claim, store), so a second one fills the wait; they are as independent as
 * two instances' steps (own claim, own nonces), so nothing else changes.
 */
const PARALLEL_STEPS = 2;
/** While a hold stops everything, how often the sender tries again. */
const HOLD_RECHECK_MS = 5_000;
/** Requests remembered as "send alone" (their batch reverted); older ones are forgotten first. */
const SEND_ALONE_LIMIT = 10_000;
/**
 * Estimates are exact for the state they ran on. A mint can only get cheaper before it runs
 * (a recipient's or the supply's first credit is the dearest), a burn may not: it gets more
 * slack. Every unit of slack is block space other mints cannot use.
 */
const GAS_MARGIN_PERCENT = { mint: 102n, burn: 110n } as const;
/**
 * The block a send is estimated on. Given none, a node may estimate on its pending block, and
 * anvil then first executes every transaction in its pool: under load that is our own earlier
 * batchMints, and 20 estimates took 2.5-3.7 s instead of 0.2-0.9 s (bench:mint). A mint
 * estimated on the latest block is never too low: earlier credits only make it cheaper. A
 * burn keeps the pending block, where an earlier burn from the same wallet already counts, so
 * a burn that would overdraw is caught here and not on chain; burns are few.
 */
const ESTIMATE_ON = { mint: { blockTag: 'latest' }, burn: {} } as const;

type Estimate = { plan: PlannedSend; gas: bigint } | { plan: PlannedSend; revert: unknown };

/**
 * Claims queued requests (any number of instances, each with a short lease), estimates and
 * signs them with nonces from the nonce manager, stores nonce and signed bytes in one short
 * transaction, then broadcasts. Storing comes first: a crash after it re-broadcasts the same
 * bytes, a crash before it leaves the request queued and its nonce to reconciliation.
 * Never a second signature. No database transaction is open during an RPC call.
 */
@Injectable()
export class TransactionSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TransactionSender.name);
  private readonly loops: BackgroundLoop[];
  /** Requests whose batch would revert: sent alone next time, so only the bad one fails. */
  private readonly sendAlone = new RecentIds(SEND_ALONE_LIMIT);
  private readonly chainBreaker: CircuitBreaker;
  private holdRecheckAt = 0;

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly config: AppConfigService,
    private readonly repository: TransactionRepository,
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
    private readonly fees: FeeOracle,
    private readonly broadcaster: Broadcaster,
    private readonly queuedWork: QueuedWorkSignal,
    private readonly holds: SendingHolds,
    private readonly conditions: ContractConditions,
    private readonly role: ProcessRole,
    breakers: CircuitBreakerRegistry,
  ) {
    this.chainBreaker = breakers.register(BLOCKCHAIN_BREAKER);
    this.loops = Array.from(
      { length: PARALLEL_STEPS },
      () =>
        new BackgroundLoop(
          'TransactionSender',
          () => this.sendQueued(),
          (signal) => this.queuedWork.waitForWork(IDLE_POLL_MS, signal),
        ),
    );
  }

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(TransactionSender.name, () => this.loops.forEach((loop) => loop.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  /** One step: claim, estimate, sign, store, broadcast. 'idle' when nothing could be sent. */
  async sendQueued(): Promise<'busy' | 'idle'> {
    // While the chain is known to be down, requests wait in the queue rather than fail.
    if (this.chainBreaker.isRefusing()) return 'idle';
    const recheck = Date.now() >= this.holdRecheckAt;
    if (!recheck && this.holds.holdsEverything()) return 'idle';
    const room = this.config.get('pipeline').maxInFlight - (await this.repository.inFlightCount(this.signer.address));
    if (room <= 0) return 'idle';
    // Held kinds are left to other steps until it is time to look at the condition again.
    const sends = Math.min(room, SENDS_PER_STEP);
    const batchSize = this.config.get('pipeline').batchMintMaxSize;
    const claim = await this.repository.claimQueued(
      Math.min(sends * batchSize, CLAIM_LIMIT),
      CLAIM_LEASE_MS,
      recheck ? [] : this.holds.heldKinds(),
    );
    if (claim.requests.length === 0) return 'idle';
    if (recheck) this.holdRecheckAt = Date.now() + HOLD_RECHECK_MS;
    let storedAll = false;
    try {
      const signed = await this.signAndStore(claim, sends);
      storedAll = signed.requests === claim.requests.length;
      if (signed.attempts.length === 0) return 'idle';
      await this.broadcaster.sendAll(signed.attempts.map((attempt) => ({ ...attempt, fresh: true })));
      return 'busy';
    } finally {
      // Whatever was neither stored nor failed (held, split, an RPC error) is free for anyone again.
      if (!storedAll) await this.repository.releaseClaim(claim.token);
    }
  }

  /** The stored attempts, and how many requests they carry. */
  private async signAndStore(claim: Claim, maxSends: number): Promise<{ attempts: SignedAttempt[]; requests: number }> {
    const pipeline = this.config.get('pipeline');
    const market = await this.fees.current();
    const fees = feesUnderCap(market, pipeline.maxFeePerGasWei);
    if (fees === null) {
      this.holds.hold('fees_above_cap', { baseFeeGwei: formatGwei(market.baseFeePerGas), capGwei: formatGwei(pipeline.maxFeePerGasWei!) });
      return { attempts: [], requests: 0 };
    }
    this.holds.release('fees_above_cap');
    // Burns go alone: a claim sized for full batches may plan more sends than there is room
    // for. Those beyond it stay queued (the claim is released after the step).
    const plans = this.plan(claim.requests, pipeline.batchMintMaxSize).slice(0, maxSends);
    const estimates = await Promise.all(plans.map((plan) => this.estimate(plan)));
    const sendable = await this.sortOutReverts(estimates, claim.token);
    if (sendable.length === 0) return { attempts: [], requests: 0 };
    const attempts = await this.store(claim.token, sendable, fees, market.blockNumber);
    return { attempts, requests: sendable.reduce((sum, { plan }) => sum + plan.requests.length, 0) };
  }

  private async store(
    claimToken: string,
    sendable: Array<{ plan: PlannedSend; gas: bigint }>,
    fees: Fees,
    head: bigint,
  ): Promise<SignedAttempt[]> {
    const address = this.signer.address;
    const leaseStart = Date.now();
    // Reserved together, so the nonce store serves them in one round trip; handed out in
    // plan order, so older requests get lower nonces.
    const nonces = (await Promise.all(sendable.map(() => this.nonces.reserve(address)))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
      signedAtBlock: head,
    }));
    await this.repository.transaction(async (manager) => {
      await this.repository.storeSigned(
        manager,
        attempts.map((attempt, i) => ({ attempt, requestIds: sendable[i].plan.requests.map((request) => request.id) })),
        address,
        claimToken,
      );
      // Past half the lease, reconciliation may be about to recycle these nonces: roll back,
      // the requests stay queued and the nonces go back through reconciliation. (Handing them
      // back here would be faster, but a nonce that re-enters the recycled set while a
      // reconciliation round already counts it as a candidate can be recycled a second time
      // and given to two senders.)
      if (Date.now() - leaseStart > NONCE_LEASE_MS / 2) throw new NonceLeaseExpiredError();
    });
    // The commit itself may have taken long. Reconciliation recycles only what the database
    // did not show it twice a lease apart, so a commit that ends past the lease may have been
    // missed: take those nonces back out of the recycled set before anyone else uses them.
    if (Date.now() - leaseStart > NONCE_LEASE_MS) await this.nonces.withdrawRecycled(address, nonces);
    return attempts;
  }

  private plan(requests: QueuedRequest[], batchMaxSize: number): PlannedSend[] {
    const alone = requests.filter((request) => this.sendAlone.has(request.id));
    const together = requests.filter((request) => !this.sendAlone.has(request.id));
    return [...planSends(together, batchMaxSize), ...planSends(alone, 1)];
  }

  /** Gas for the call, or the revert it would meet. Any other failure (RPC) throws: the claim is released untouched. */
  private async estimate(plan: PlannedSend): Promise<Estimate> {
    try {
      const gas = await this.client.estimateGas({
        account: this.signer.address,
        to: this.config.get('chain').contractAddress,
        data: plan.data,
        ...ESTIMATE_ON[plan.lead.kind],
      });
      return { plan, gas: (gas * GAS_MARGIN_PERCENT[plan.lead.kind]) / 100n };
    } catch (error) {
      if (!isRevertError(error)) throw error;
      return { plan, revert: error };
    }
  }

  /**
   * A revert is a request's fault only if the contract would take the call otherwise: when it
   * is paused or the signer lacks the role, the requests stay queued behind a hold. A lone
   * request at fault fails; a batch at fault is split so only the bad request fails.
   */
  private async sortOutReverts(estimates: Estimate[], claimToken: string): Promise<Array<{ plan: PlannedSend; gas: bigint }>> {
    const sendable = estimates.flatMap((estimate) => ('gas' in estimate ? [estimate] : []));
    for (const kind of new Set(sendable.map(({ plan }) => plan.lead.kind))) {
      this.holds.release('contract_paused');
      this.holds.release(kind === 'mint' ? 'minter_role_missing' : 'burner_role_missing');
    }
    const reverted = estimates.flatMap((estimate) => ('revert' in estimate ? [estimate] : []));
    const blocking = new Map<string, Awaited<ReturnType<ContractConditions['blocking']>>>();
    for (const kind of new Set(reverted.map(({ plan }) => plan.lead.kind)))
      blocking.set(kind, await this.conditions.blocking(kind, this.signer.address));
    for (const { plan, revert } of reverted) {
      const holds = blocking.get(plan.lead.kind)!;
      if (holds.length > 0) {
        for (const reason of holds) this.holds.hold(reason, { signer: this.signer.address });
        continue;
      }
      if (plan.requests.length > 1) {
        for (const request of plan.requests) this.sendAlone.add(request.id);
        continue;
      }
      this.sendAlone.delete(plan.lead.id);
      await this.repository.failClaimed(
        [plan.lead.id],
        claimToken,
        'TRANSACTION_REVERTED',
        describeRevert(revert) ?? describeError(revert),
      );
    }
    return sendable;
  }
}
