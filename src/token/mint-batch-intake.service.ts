import { Injectable } from '@nestjs/common';
import type { Address } from 'viem';

import type { ClientCaller } from '../auth/calling-client';
import { CallbackUrlPolicy } from '../callbacks/callback-url.policy';
import { AppConfigService } from '../config/app-config.service';
import { WalletCustodyService } from '../custody/wallet-custody.service';
import { QueuedWorkSignal } from '../transactions/queued-work.signal';
import type { Transaction } from '../transactions/transaction.entity';
import type { NewTransaction } from '../transactions/transaction.repository';
import { TransactionBatchStore } from '../transactions/transaction-batch.store';
import { keyOf, parseMintItem } from './mint-batch-item';
import {
  attempt,
  type BatchItem,
  byKey,
  type Decide,
  identify,
  type ItemOutcome,
  rejected,
  repeatOutcome,
} from './mint-batch-item-outcome';
import { MintLimits } from './mint-limits';
import { sameRequestOrConflict } from './request-identity';
import { BatchSizeOutOfRangeError, WalletNotFoundError } from './token.errors';

/** The most mints one bulk request may carry. */
export const MAX_BATCH_ITEMS = 1000;

/**
 * Accepts up to MAX_BATCH_ITEMS mints at once, each judged by the single route's rules
 * (`TransactionIntake`) with its own idempotency key, in the client's key space that the
 * single route shares. The batch costs a fixed number of round trips whatever its size:
 * one read of the keys already used, one of the custodial wallets, one reservation of the
 * daily allowance, one insert of every new row (and one read of any key a concurrent
 * request took meanwhile). A refused item writes nothing and does not stop the others.
 */
@Injectable()
export class MintBatchIntake {
  constructor(
    private readonly callbackUrls: CallbackUrlPolicy,
    private readonly config: AppConfigService,
    private readonly custody: WalletCustodyService,
    private readonly mintLimits: MintLimits,
    private readonly queuedWork: QueuedWorkSignal,
    private readonly store: TransactionBatchStore,
  ) {}

  /** Each item's outcome, in request order. */
  async accept(items: readonly unknown[], caller: ClientCaller): Promise<ItemOutcome[]> {
    if (items.length < 1 || items.length > MAX_BATCH_ITEMS) throw new BatchSizeOutOfRangeError(items.length, MAX_BATCH_ITEMS);
    const outcomes: ItemOutcome[] = new Array<ItemOutcome>(items.length);
    const decide: Decide = (item, outcome) => {
      outcomes[item.index] = outcome;
      return false;
    };
    const { firstUses, laterUses } = this.parse(items, caller, decide);

    let open = await this.answerRetries(firstUses, caller.client, decide);
    open = await this.resolveAddresses(open, decide);
    open = open.filter((item) => attempt(item, decide, () => this.mintLimits.refuseAboveMaximum(item.candidate.amount, caller)));
    const limits = await this.mintLimits.reserveEach(
      open.map((item) => item.candidate.amount),
      caller,
    );
    const overLimit = open.filter((item, position) => {
      item.reservation = position;
      const refusal = limits.refused.get(position);
      return refusal !== undefined && !decide(item, rejected(refusal));
    });
    const refused = new Set(overLimit);
    open = open.filter((item) => !refused.has(item));
    const created = await this.storeNew(open, overLimit, caller.client, decide, limits.release);

    for (const later of laterUses) decide(later, repeatOutcome(later, firstUses.get(later.firstIndex), outcomes[later.firstIndex]));
    if (created > 0) this.queuedWork.notify();
    return outcomes;
  }

  /** Checks each item alone; the first valid use of a key is the one stored, later uses follow it. */
  private parse(items: readonly unknown[], caller: ClientCaller, decide: Decide) {
    const firstUses = new Map<number, BatchItem>();
    const firstIndexOf = new Map<string, number>();
    const laterUses: Array<BatchItem & { firstIndex: number }> = [];
    items.forEach((item, index) => {
      const key = keyOf(item);
      const firstIndex = key === undefined ? undefined : firstIndexOf.get(key);
      if (key !== undefined && firstIndex === undefined) firstIndexOf.set(key, index);
      attempt({ index }, decide, () => {
        const candidate = parseMintItem(item, (url) => this.callbackUrls.resolve(caller.client, url));
        if (firstIndex === undefined) firstUses.set(index, { index, key: key!, candidate });
        else laterUses.push({ index, key: key!, candidate, firstIndex });
      });
    });
    return { firstUses, laterUses };
  }

  /** Keys the client already used: the same request answers its stored transaction, another one is refused. */
  private async answerRetries(firstUses: Map<number, BatchItem>, client: string, decide: Decide): Promise<BatchItem[]> {
    const items = [...firstUses.values()];
    const stored = byKey(
      await this.store.findByIdempotencyKeys(
        client,
        items.map((item) => item.key),
      ),
    );
    return items.filter((item) => {
      const row = stored.get(item.key);
      if (row === undefined) return true;
      // A retry without `to` means the wallet the first request went to, even if it was rotated since.
      identify(item, item.candidate.given ?? (row.address as Address));
      attempt(item, decide, () => decide(item, { outcome: 'existing', row: sameRequestOrConflict(row, item.hash!) }));
      return false;
    });
  }

  /** Items without `to` go to their user's active custodial wallet: one read for all of them. */
  private async resolveAddresses(items: BatchItem[], decide: Decide): Promise<BatchItem[]> {
    const wallets = await this.custody.activeAddresses(items.filter((item) => !item.candidate.given).map((item) => item.candidate.userId));
    return items.filter((item) => {
      const address = item.candidate.given ?? wallets.get(item.candidate.userId);
      if (address === undefined) return decide(item, rejected(new WalletNotFoundError(item.candidate.userId)));
      identify(item, address);
      return true;
    });
  }

  /**
   * One insert for every new row; the allowance of any item not stored by it is given back.
   * Items it did not store, and those refused for the daily limit, may have been stored by a
   * concurrent request (a client retrying a batch still in flight): they answer that one.
   * Returns how many rows were created.
   */
  private async storeNew(
    items: BatchItem[],
    overLimit: BatchItem[],
    client: string,
    decide: Decide,
    release: (positions: number[]) => Promise<void>,
  ): Promise<number> {
    const chainId = this.config.get('chain').chainId;
    const rows: NewTransaction[] = items.map(({ key, candidate, address, hash }) => ({
      kind: 'mint',
      clientId: client,
      userId: candidate.userId,
      address: address!,
      amount: candidate.amount,
      reason: candidate.reason,
      idempotencyKey: key,
      requestHash: hash!,
      chainId,
      callbackUrl: candidate.callbackUrl,
    }));
    let created = new Map<string, Transaction>();
    try {
      created = byKey(await this.store.insertQueued(client, rows));
      const taken = [...items.filter((item) => !created.has(item.key)), ...overLimit];
      const winners = byKey(
        await this.store.findByIdempotencyKeys(
          client,
          taken.map((item) => item.key),
        ),
      );
      for (const item of taken) {
        const winner = winners.get(item.key);
        if (winner !== undefined)
          attempt(item, decide, () => decide(item, { outcome: 'existing', row: sameRequestOrConflict(winner, item.hash!) }));
      }
      for (const item of items) if (created.has(item.key)) decide(item, { outcome: 'created', row: created.get(item.key)! });
      return created.size;
    } finally {
      await release(items.flatMap((item) => (created.has(item.key) ? [] : [item.reservation!])));
    }
  }
}
