import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Address } from 'viem';

import { Transaction, type TransactionKind } from '../transactions/transaction.entity';

export interface NewRequestRow {
  kind: TransactionKind;
  userId: string;
  address: Address;
  amount: bigint;
  reason: string;
  idempotencyKey: string;
  requestHash: string;
  chainId: number;
}

// First half of the two-int advisory key: a key space of its own, apart from the single
// bigint keys of the migration and test-template locks.
const REDEEM_LOCK_NAMESPACE = 0x4856_5244; // "HVRD"

/** The statements of intake, on whichever connection or transaction they are given. */
export class IntakeStatements {
  constructor(protected readonly manager: EntityManager) {}

  findByKey(idempotencyKey: string): Promise<Transaction | null> {
    return this.manager.getRepository(Transaction).findOneBy({ idempotencyKey });
  }

  findById(id: string): Promise<Transaction> {
    return this.manager.getRepository(Transaction).findOneByOrFail({ id });
  }

  /** Redemptions of `holder` accepted but not yet settled on chain, in wei. */
  async pendingBurns(holder: Address): Promise<bigint> {
    const [{ pending }]: Array<{ pending: string }> = await this.manager.query(
      `SELECT coalesce(sum(amount), 0)::text AS pending FROM transactions
        WHERE kind = 'burn' AND address = $1 AND status IN ('queued', 'signed', 'submitted', 'mined', 'reorged')`,
      [holder],
    );
    return BigInt(pending);
  }

  /** The new row's id, or null when a request with the same key was stored first. */
  async insertQueued(row: NewRequestRow): Promise<string | null> {
    const inserted: Array<{ id: string }> = await this.manager.query(
      `INSERT INTO transactions (kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id)
       VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [row.kind, row.userId, row.address, row.amount.toString(), row.reason, row.idempotencyKey, row.requestHash, row.chainId],
    );
    return inserted[0]?.id ?? null;
  }
}

/** Persistence of accepted requests: SQL stays here, the rules in TransactionIntake. */
@Injectable()
export class TransactionIntakeRepository extends IntakeStatements {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super(dataSource.manager);
  }

  /**
   * Runs `work` in a transaction holding a lock on `holder` that every instance honours, so
   * concurrent redemptions from one address are checked against each other's amounts one at
   * a time instead of all passing against the same balance.
   */
  withHolderLock<T>(holder: Address, work: (locked: IntakeStatements) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REDEEM_LOCK_NAMESPACE, holder.toLowerCase()]);
      return work(new IntakeStatements(manager));
    });
  }
}
