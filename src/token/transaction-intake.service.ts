import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Address, getAddress, isAddress, zeroAddress } from 'viem';

import { HavenTokenService } from '../chain/haven-token.service';
import { AppConfigService } from '../config/app-config.service';
import { WalletCustodyService } from '../custody/wallet-custody.service';
import { QueuedWorkSignal } from '../transactions/queued-work.signal';
import type { Transaction, TransactionKind } from '../transactions/transaction.entity';
import { type NewTransaction, TransactionRepository } from '../transactions/transaction.repository';
import {
  DuplicateTransactionError,
  InsufficientBalanceError,
  InvalidAddressError,
  MissingIdempotencyKeyError,
  WalletNotFoundError,
} from './token.errors';
import { formatTokenAmount, parseTokenAmount } from './token-amount';

export interface TokenRequest {
  userId: string;
  /** `to` of a mint, `from` of a redemption; the user's custodial wallet when absent. */
  address?: string;
  amount: string;
  reason: string;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,255}$/;

/**
 * Accepts a mint or redemption: validates it completely, then stores it as a `queued` row
 * before answering, so an accepted request survives any crash. The Idempotency-Key makes a
 * retry return the same transaction; a reused key with another body is refused. Nothing is
 * written for a request that fails validation.
 */
@Injectable()
export class TransactionIntake {
  constructor(
    private readonly config: AppConfigService,
    private readonly custody: WalletCustodyService,
    private readonly queuedWork: QueuedWorkSignal,
    private readonly token: HavenTokenService,
    private readonly transactions: TransactionRepository,
  ) {}

  async accept(kind: TransactionKind, request: TokenRequest, idempotencyKey: string | undefined): Promise<Transaction> {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new MissingIdempotencyKeyError();
    const amount = parseTokenAmount(request.amount);
    const given = request.address === undefined ? undefined : checkedAddress(kind, request.address);
    const content = (address: Address): RequestContent => ({ kind, userId: request.userId, address, amount, reason: request.reason });

    if (given === undefined) {
      // A retry that omits the address means the wallet the first request resolved to, even
      // if the user's custodial wallet has been rotated or revoked since. (With an address,
      // the insert's conflict check below answers a retry without this extra read.)
      const existing = await this.transactions.findByIdempotencyKey(idempotencyKey);
      if (existing) return sameRequestOrConflict(existing, requestHash(content(existing.address as Address)));
    }

    const address = given ?? (await this.custodialAddress(request.userId));
    const chainId = this.config.get('chain').chainId;
    const newRow: NewTransaction = { ...content(address), idempotencyKey, requestHash: requestHash(content(address)), chainId };
    const stored =
      kind === 'burn'
        ? await this.transactions.withHolderLock(address, (locked) => this.storeRedemption(locked, newRow))
        : await this.storeOnce(newRow);
    if (stored.created) this.queuedWork.notify();
    return stored.row;
  }

  private async custodialAddress(userId: string): Promise<Address> {
    const custodial = await this.custody.activeAddress(userId);
    if (custodial === null) throw new WalletNotFoundError(userId);
    return custodial;
  }

  /** Under the holder's lock, so the redemptions accepted before this one are all counted. */
  private async storeRedemption(locked: EntityManager, newRow: NewTransaction): Promise<Stored> {
    // A concurrent retry of this very request may have been stored while we waited for the lock.
    const existing = await this.transactions.findByIdempotencyKey(newRow.idempotencyKey, locked);
    if (existing) return { row: sameRequestOrConflict(existing, newRow.requestHash), created: false };
    const [balance, pending] = await Promise.all([
      this.token.balanceOf(newRow.address),
      this.transactions.pendingBurns(locked, newRow.address),
    ]);
    const available = balance - pending;
    if (available < newRow.amount) throw new InsufficientBalanceError(formatTokenAmount(available > 0n ? available : 0n));
    return this.storeOnce(newRow, locked);
  }

  /** Inserts the row, or answers with the one a concurrent request with the same key stored first. */
  private async storeOnce(newRow: NewTransaction, manager?: EntityManager): Promise<Stored> {
    const id = await this.transactions.insertQueued(newRow, manager);
    if (id !== null) return { row: (await this.transactions.findById(id, manager))!, created: true };
    const winner = await this.transactions.findByIdempotencyKey(newRow.idempotencyKey, manager);
    return { row: sameRequestOrConflict(winner!, newRow.requestHash), created: false };
  }
}

type RequestContent = Pick<NewTransaction, 'kind' | 'userId' | 'address' | 'amount' | 'reason'>;
interface Stored {
  row: Transaction;
  created: boolean;
}

function checkedAddress(kind: TransactionKind, text: string): Address {
  if (!isAddress(text) || text.toLowerCase() === zeroAddress) throw new InvalidAddressError(kind === 'mint' ? 'to' : 'from');
  return getAddress(text);
}

/** sha256 of the request's canonical JSON: what makes a retry "the same request". */
function requestHash({ kind, userId, address, amount, reason }: RequestContent): string {
  const canonical = JSON.stringify({ kind, userId, address: address.toLowerCase(), amountWei: amount.toString(), reason });
  return createHash('sha256').update(canonical).digest('hex');
}

function sameRequestOrConflict(existing: Transaction, hash: string): Transaction {
  if (existing.requestHash !== hash) throw new DuplicateTransactionError(existing.id);
  return existing;
}
