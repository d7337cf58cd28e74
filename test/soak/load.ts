import { formatUnits, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import type { TestChain } from '../support/chain';
import type { FinalAnswer, SoakClient } from './client';
import { LoadLedger } from './load-ledger';
import type { SoakOptions } from './options';

const REASONS = ['soak stay reward', 'soak signup bonus'];

/** Creates the users' custodial wallets (mints go to them, redemptions burn from them). */
export async function createUsers(client: SoakClient, options: SoakOptions): Promise<Map<string, `0x${string}`>> {
  const users = new Map<string, `0x${string}`>();
  const ids = Array.from({ length: options.users }, (_, i) => `soak-${options.seed}-user-${i}`);
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (walletId) => {
        let answer = await client.admin('POST', '/api/v1/admin/wallets', { walletId });
        // 409: a retry after a lost answer found the wallet the first attempt created.
        if (answer?.status === 409) answer = await client.admin('GET', `/api/v1/admin/wallets/${walletId}`);
        if (answer?.status !== 201 && answer?.status !== 200) throw new Error(`wallet ${walletId}: ${JSON.stringify(answer)}`);
        users.set(walletId, (answer.body as { address: `0x${string}` }).address);
      }),
    );
  }
  return users;
}

/** Whether the bulk route is deployed: it answers an empty batch 400, an unknown route 404. */
export async function bulkRouteExists(client: SoakClient): Promise<boolean> {
  const answer = await client.post('/api/v1/token/mint/batch', { items: [] });
  return answer !== undefined && answer.status === 400;
}

/**
 * The partner apps' traffic: mints at a steady rate, single and bulk, bursts on top, and
 * redemptions of part of what users hold, all spread over `loadMs` and seeded.
 */
export class LoadGenerator {
  readonly ledger = new LoadLedger();
  private readonly inFlight = new Set<Promise<void>>();
  private mintCount = 0;
  private redeemCount = 0;
  private readonly lastRedeemAt = new Map<string, number>();
  private readonly users: string[];

  constructor(
    private readonly client: SoakClient,
    private readonly chain: Pick<TestChain, 'publicClient' | 'contractAddress'>,
    private readonly options: SoakOptions,
    private readonly addresses: ReadonlyMap<string, `0x${string}`>,
    private readonly bulk: boolean,
    private readonly random: () => number,
  ) {
    this.users = [...addresses.keys()];
  }

  /** Sends the whole load; resolves when every request got its final answer or was given up. */
  async run(): Promise<void> {
    const { loadMs, burstEveryMs, burstSize, mints, redeems, batchItems } = this.options;
    const bursts = Math.floor(loadMs / burstEveryMs);
    const steadyMints = mints - bursts * burstSize;
    const bulkRequests = this.bulk ? Math.floor((steadyMints * this.options.bulkShare) / batchItems) : 0;
    const singles = steadyMints - bulkRequests * batchItems;
    const events: Array<{ at: number; fire: () => void }> = [];
    const spread = (count: number, fire: () => void) => {
      for (let i = 0; i < count; i++) events.push({ at: ((i + this.random()) * loadMs) / count, fire });
    };
    spread(singles, () => this.track(this.mintOne()));
    spread(bulkRequests, () => this.track(this.mintBulk(batchItems)));
    spread(redeems, () => this.track(this.redeemOne()));
    for (let burst = 1; burst <= bursts; burst++) {
      events.push({ at: burst * burstEveryMs - 1, fire: () => this.burst(burstSize) });
    }
    events.sort((a, b) => a.at - b.at);
    const startedAt = Date.now();
    for (const event of events) {
      const wait = startedAt + event.at - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      event.fire();
    }
    // Redemptions skipped for want of a balance are made up at the end, when balances exist.
    const catchUpUntil = Date.now() + loadMs / 2;
    while (this.redeemCount < redeems && Date.now() < catchUpUntil) await this.redeemOne(true);
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private burst(size: number): void {
    const bulkItems = this.bulk ? Math.floor(size / 2) : 0;
    if (bulkItems > 0) this.track(this.mintBulk(bulkItems));
    for (let i = 0; i < size - bulkItems; i++) this.track(this.mintOne());
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.ledger.noteCrash(error)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private mintItem() {
    const n = this.mintCount++;
    const user = this.users[Math.floor(this.random() * this.users.length)];
    const amount = `${1 + Math.floor(this.random() * 100)}.${String(Math.floor(this.random() * 100)).padStart(2, '0')}`;
    const reason = REASONS[n % REASONS.length];
    return { idempotencyKey: `soak-${this.options.seed}-mint-${n}`, userId: user, amount, reason };
  }

  private async mintOne(): Promise<void> {
    const { idempotencyKey, ...body } = this.mintItem();
    const answer = await this.client.post('/api/v1/token/mint', body, { 'idempotency-key': idempotencyKey });
    this.ledger.record('mint', idempotencyKey, body.userId, parseUnits(body.amount, 18), answer, 'single');
  }

  private async mintBulk(size: number): Promise<void> {
    const items = Array.from({ length: size }, () => this.mintItem());
    const answer = await this.client.post('/api/v1/token/mint/batch', { items });
    this.ledger.recordBulk(items, answer);
  }

  /** Burns a tenth of what the user holds on chain; a user redeems at most once per cooldown. */
  private async redeemOne(catchUp = false): Promise<void> {
    const cooldownMs = this.options.mode === 'quick' ? 15_000 : 60_000;
    for (let tries = 0; tries < this.users.length; tries++) {
      const user = this.users[Math.floor(this.random() * this.users.length)];
      if (Date.now() - (this.lastRedeemAt.get(user) ?? 0) < cooldownMs) continue;
      const balance = await this.balanceOf(this.addresses.get(user)!);
      const amountWei = (balance / 10n / 10n ** 16n) * 10n ** 16n; // whole hundredths of a HAVEN
      if (amountWei === 0n) continue;
      this.lastRedeemAt.set(user, Date.now());
      const key = `soak-${this.options.seed}-redeem-${this.redeemCount++}`;
      const body = { userId: user, amount: formatUnits(amountWei, 18), reason: 'soak redemption' };
      const answer: FinalAnswer | undefined = await this.client.post('/api/v1/token/redeem', body, { 'idempotency-key': key });
      this.ledger.record('burn', key, user, amountWei, answer, 'redeem');
      return;
    }
    // Nobody can redeem yet (no confirmed balance, or all cooling down): try later.
    if (catchUp) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  /** Read from the node itself, not through the fault proxy; 0 while the node is down. */
  private balanceOf(address: `0x${string}`): Promise<bigint> {
    return this.chain.publicClient
      .readContract({ address: this.chain.contractAddress, abi: havenAbi, functionName: 'balanceOf', args: [address] })
      .catch(() => 0n);
  }
}
