import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Address } from 'viem';

import type { ClientCaller } from '../auth/calling-client';
import { CallbackUrlPolicy } from '../callbacks/callback-url.policy';
import { HavenTokenService } from '../chain/haven-token.service';
import { AppConfigService } from '../config/app-config.service';
import { WalletCustodyService } from '../custody/wallet-custody.service';
import { SecurityEventRecorder } from '../security/security-event.recorder';
import { QueuedInsertBatcher } from '../transactions/queued-insert.batcher';
import { QueuedWorkSignal } from '../transactions/queued-work.signal';
import type { Transaction, TransactionKind } from '../transactions/transaction.entity';
import { type NewTransaction, TransactionRepository } from '../transactions/transaction.repository';
import { TransactionBatchStore } from '../transactions/transaction-batch.store';
import { MintLimits } from './mint-limits';
import { checkedAddress, IDEMPOTENCY_KEY, type RequestContent, requestHash, sameRequestOrConflict } from './request-identity';
import { AddressNotOwnedError, InsufficientBalanceError, MissingIdempotencyKeyError, WalletNotFoundError } from './token.errors';
import { formatTokenAmount, parseTokenAmount } from './token-amount';

/** Who is asking: the client the key named, and where from (for security events). */
export type Caller = ClientCaller;

export interface TokenRequest {
  userId: string;
  /** `to` of a mint, `from` of a redemption; the user's custodial wallet when absent. */
  address?: string;
  amount: string;
  reason: string;
  /** Where status callbacks go; the client's registered URL when absent. */
  callbackUrl?: string;
}

/**
 * Accepts a mint or redemption: validates it completely, then stores it as a `queued` row
 * before answering, so an accepted request survives any crash. The Idempotency-Key makes a
 * retry return the same transaction; a reused key with another body is refused. Keys are
 * the client's own: each client has its own key space and sees only its own requests. A
 * redemption burns only from the user's own custodial wallet; a mint stays within the amount
 * limits. Nothing is written for a request that fails any of these checks.
 */
@Injectable()
export class TransactionIntake {
  constructor(
    private readonly config: AppConfigService,
    private readonly custody: WalletCustodyService,
    private readonly queuedWork: QueuedWorkSignal,
    private readonly token: HavenTokenService,
    private readonly transactions: TransactionRepository,
    private readonly store: TransactionBatchStore,
    private readonly inserts: QueuedInsertBatcher,
    private readonly mintLimits: MintLimits,
    private readonly securityEvents: SecurityEventRecorder,
    private readonly callbackUrls: CallbackUrlPolicy,
  ) {}

  async accept(kind: TransactionKind, request: TokenRequest, idempotencyKey: string | undefined, caller: Caller): Promise<Transaction> {
    return (await this.acceptOutcome(kind, request, idempotencyKey, caller)).row;
  }

  /**
   * `accept`, also telling whether this call stored the request (`created`) or was answered
   * with the one stored first under its key: the Python backend's routes say "duplicate" then.
   */
  async acceptOutcome(kind: TransactionKind, request: TokenRequest, idempotencyKey: string | undefined, caller: Caller): Promise<Stored> {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new MissingIdempotencyKeyError();
    const amount = parseTokenAmount(request.amount);
    const callbackUrl = this.callbackUrls.resolve(caller.client, request.callbackUrl);
    const given = request.address === undefined ? undefined : checkedAddress(kind, request.address);
    const content = (address: Address): RequestContent => ({ kind, userId: request.userId, address, amount, reason: request.reason });
    const { client } = caller;

    // A retry is answered from the stored row before anything is checked again: one that omits
    // the address means the wallet the first request resolved to, even if the user's wallet has
    // been rotated or revoked since; a redemption is not refused for a wallet revoked after it
    // was accepted; a mint under a daily limit does not spend the allowance twice. (Otherwise
    // the insert's conflict check below answers a retry without this extra read.)
    if (given === undefined || kind === 'burn' || this.config.get('limits').dailyMintLimitPerClientWei !== undefined) {
      const existing = await this.transactions.findByIdempotencyKey(client, idempotencyKey);
      if (existing)
        return { row: sameRequestOrConflict(existing, requestHash(content(given ?? (existing.address as Address)))), created: false };
    }

    const address = given ?? (await this.custodialAddress(request.userId));
    if (kind === 'burn' && given !== undefined) await this.checkOwnership(request.userId, given, caller);
    const chainId = this.config.get('chain').chainId;
    const newRow: NewTransaction = {
      ...content(address),
      clientId: client,
      idempotencyKey,
      requestHash: requestHash(content(address)),
      chainId,
      callbackUrl,
    };
    const stored = kind === 'burn' ? await this.storeRedemption(newRow) : await this.storeMint(newRow, caller);
    if (stored.created) this.queuedWork.notify();
    return stored;
  }

  /** Only the user's own wallet may be burned from, whoever's key asks. */
  private async checkOwnership(userId: string, address: Address, caller: Caller): Promise<void> {
    if (await this.custody.ownsAddress(userId, address)) return;
    this.securityEvents.record({
      kind: 'redeem_address_refused',
      actor: `client:${caller.client}`,
      sourceIp: caller.sourceIp,
      path: caller.path,
      details: { user_id: userId, address },
    });
    throw new AddressNotOwnedError(userId);
  }

  private async storeMint(newRow: NewTransaction, caller: Caller): Promise<Stored> {
    const reserved = await this.mintLimits.reserve(newRow.amount, caller);
    let stored: Stored | undefined;
    try {
      stored = await this.storeOnce(newRow);
      return stored;
    } finally {
      if (stored?.created !== true) await reserved.release();
    }
  }

  private async custodialAddress(userId: string): Promise<Address> {
    const custodial = await this.custody.activeAddress(userId);
    if (custodial === null) throw new WalletNotFoundError(userId);
    return custodial;
  }

  private storeRedemption(newRow: NewTransaction): Promise<Stored> {
    return this.transactions.withHolderLock(newRow.address, (locked) => this.storeRedemptionLocked(locked, newRow));
  }

  /** Under the holder's lock, so the redemptions accepted before this one are all counted. */
  private async storeRedemptionLocked(locked: EntityManager, newRow: NewTransaction): Promise<Stored> {
    // A concurrent retry of this very request may have been stored while we waited for the lock.
    const existing = await this.transactions.findByIdempotencyKey(newRow.clientId, newRow.idempotencyKey, locked);
    if (existing) return { row: sameRequestOrConflict(existing, newRow.requestHash), created: false };
    const [balance, pending] = await Promise.all([
      this.token.balanceOf(newRow.address),
      this.transactions.pendingBurns(locked, newRow.address),
    ]);
    const available = balance - pending;
    if (available < newRow.amount) throw new InsufficientBalanceError(formatTokenAmount(available > 0n ? available : 0n));
    return this.storeOnce(newRow, locked);
  }

  /**
   * Inserts the row, or answers with the one a concurrent request with the same key stored
   * first. Outside a transaction the insert shares its statement with the other requests of
   * this event-loop turn (see QueuedInsertBatcher).
   */
  private async storeOnce(newRow: NewTransaction, manager?: EntityManager): Promise<Stored> {
    const row =
      manager === undefined ? await this.inserts.insert(newRow) : (await this.store.insertQueued(newRow.clientId, [newRow], manager))[0];
    if (row !== undefined) return { row, created: true };
    const winner = await this.transactions.findByIdempotencyKey(newRow.clientId, newRow.idempotencyKey, manager);
    return { row: sameRequestOrConflict(winner!, newRow.requestHash), created: false };
  }
}

export interface Stored {
  row: Transaction;
  created: boolean;
}
