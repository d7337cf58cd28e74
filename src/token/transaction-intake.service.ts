import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { getAddress, isAddress, zeroAddress, type Address } from 'viem';

import { HavenTokenService } from '../chain/haven-token.service';
import { AppConfigService } from '../config/app-config.service';
import { CustodyWalletDirectory } from '../custody/custody-wallet.directory';
import { TransactionDispatcher } from '../transactions/transaction-dispatcher';
import { Transaction, type TransactionKind } from '../transactions/transaction.entity';
import { formatTokenAmount, parseTokenAmount } from './token-amount';
import {
  DuplicateTransactionError,
  InsufficientBalanceError,
  InvalidAddressError,
  MissingIdempotencyKeyError,
  WalletNotFoundError,
} from './token.errors';

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
    private readonly custody: CustodyWalletDirectory,
    private readonly token: HavenTokenService,
    private readonly dispatcher: TransactionDispatcher,
  ) {}

  async accept(kind: TransactionKind, request: TokenRequest, idempotencyKey: string | undefined): Promise<Transaction> {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new MissingIdempotencyKeyError();
    const amount = parseTokenAmount(request.amount);
    const address = await this.resolveAddress(kind, request);
    const requestHash = hashRequest(kind, request.userId, address, amount, request.reason);

    const existing = await this.findByKey(idempotencyKey);
    if (existing) return this.sameRequestOrConflict(existing, requestHash);
    if (kind === 'burn') await this.ensureRedeemable(address, amount);

    const inserted: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO transactions (kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id)
       VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [kind, request.userId, address, amount.toString(), request.reason, idempotencyKey, requestHash, this.config.get('chain').chainId],
    );
    // Lost a race with a concurrent retry of the same key: answer as that retry would.
    if (inserted.length === 0) return this.sameRequestOrConflict((await this.findByKey(idempotencyKey))!, requestHash);
    this.dispatcher.notifyQueued();
    return this.dataSource.getRepository(Transaction).findOneByOrFail({ id: inserted[0].id });
  }

  private async resolveAddress(kind: TransactionKind, request: TokenRequest): Promise<Address> {
    if (request.address === undefined) {
      const custodial = await this.custody.activeAddress(request.userId);
      if (custodial === null) throw new WalletNotFoundError(request.userId);
      return custodial;
    }
    const field = kind === 'mint' ? 'to' : 'from';
    if (!isAddress(request.address) || request.address.toLowerCase() === zeroAddress) throw new InvalidAddressError(field);
    return getAddress(request.address);
  }

  /** On-chain balance less the redemptions of this holder still on their way. */
  private async ensureRedeemable(address: Address, amount: bigint): Promise<void> {
    const [balance, [{ pending }]] = await Promise.all([
      this.token.balanceOf(address),
      this.dataSource.query(
        `SELECT coalesce(sum(amount), 0)::text AS pending FROM transactions
          WHERE kind = 'burn' AND address = $1 AND status IN ('queued', 'signed', 'submitted')`,
        [address],
      ) as Promise<Array<{ pending: string }>>,
    ]);
    const available = balance - BigInt(pending);
    if (available < amount) throw new InsufficientBalanceError(formatTokenAmount(available > 0n ? available : 0n));
  }

  private findByKey(idempotencyKey: string): Promise<Transaction | null> {
    return this.dataSource.getRepository(Transaction).findOneBy({ idempotencyKey });
  }

  private sameRequestOrConflict(existing: Transaction, requestHash: string): Transaction {
    if (existing.requestHash !== requestHash) throw new DuplicateTransactionError(existing.id);
    return existing;
  }
}

function hashRequest(kind: TransactionKind, userId: string, address: Address, amount: bigint, reason: string): string {
  const canonical = JSON.stringify({ kind, userId, address: address.toLowerCase(), amountWei: amount.toString(), reason });
  return createHash('sha256').update(canonical).digest('hex');
}
