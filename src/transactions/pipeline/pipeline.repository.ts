import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Address, Hex } from 'viem';
import { DataSource, type EntityManager } from 'typeorm';

import type { TransactionAttemptPurpose } from '../transaction-attempt.entity';
import type { Fees } from './fee.policy';
import type { QueuedRequest } from './send.plan';

/** A signed transaction about to be (or already) stored: the write-ahead record of a send. */
export interface SignedAttempt {
  batchId: string;
  nonce: bigint;
  hash: Hex;
  raw: Hex;
  fees: Fees;
  gasLimit: bigint;
  purpose: TransactionAttemptPurpose;
}

export interface StoredAttempt extends SignedAttempt {
  id: string;
  status: 'signed' | 'submitted';
  createdAt: Date;
  submittedAt: Date | null;
}

export interface UnfinishedBatch {
  batchId: string;
  nonce: bigint;
  status: 'signed' | 'submitted';
  /** When the newest attempt was stored: how long this nonce has waited. */
  lastAttemptAt: Date;
}

export interface ReceiptFacts {
  hash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

const LIVE = `('signed', 'submitted')`;

/**
 * Every SQL statement of the send pipeline. Status changes are guarded by the status they
 * leave, so two instances confirming or requeuing the same batch cannot undo each other.
 */
@Injectable()
export class PipelineRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Queued requests, oldest first, locked for this transaction; other instances skip them. */
  async lockQueued(manager: EntityManager, limit: number): Promise<QueuedRequest[]> {
    const rows: Array<{ id: string; kind: 'mint' | 'burn'; address: string; amount: string; reason: string }> =
      await manager.query(
        `SELECT id, kind, address, amount, reason FROM transactions
          WHERE status = 'queued' ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    return rows.map((row) => ({ ...row, address: row.address as Address, amount: BigInt(row.amount) }));
  }

  /** Stores the signed bytes before anything is broadcast: after a crash they are sent again as they are. */
  async storeSigned(manager: EntityManager, attempt: SignedAttempt, requestIds: string[], sender: Address): Promise<void> {
    await this.insertAttempt(manager, attempt);
    await manager.query(
      `UPDATE transactions SET status = 'signed', batch_id = $1, sender = $2, nonce = $3, tx_hash = $4,
              attempt_count = attempt_count + 1, error_code = NULL, error_message = NULL, updated_at = now()
        WHERE id = ANY($5::uuid[])`,
      [attempt.batchId, sender.toLowerCase(), attempt.nonce.toString(), attempt.hash, requestIds],
    );
  }

  /** A replacement (or cancel) for a batch still waiting: same nonce, new fees. */
  async storeReplacement(manager: EntityManager, attempt: SignedAttempt): Promise<void> {
    await this.insertAttempt(manager, attempt);
    await manager.query(
      `UPDATE transactions SET tx_hash = $2, attempt_count = attempt_count + 1, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [attempt.batchId, attempt.hash],
    );
  }

  async markSubmitted(batchId: string, hash: Hex): Promise<void> {
    await this.dataSource.query(
      `UPDATE transaction_attempts SET status = 'submitted', submitted_at = now() WHERE tx_hash = $1 AND status = 'signed'`,
      [hash],
    );
    await this.dataSource.query(
      `UPDATE transactions SET status = 'submitted', submitted_at = coalesce(submitted_at, now()), updated_at = now()
        WHERE batch_id = $1 AND status = 'signed'`,
      [batchId],
    );
  }

  /** The nonce went to another transaction: the requests go back to the queue for a new one. */
  async requeue(manager: EntityManager, batchId: string): Promise<number> {
    await manager.query(
      `UPDATE transaction_attempts SET status = 'dropped' WHERE transaction_id = $1 AND status IN ${LIVE}`,
      [batchId],
    );
    const [, count] = (await manager.query(
      `UPDATE transactions SET status = 'queued', batch_id = NULL, sender = NULL, nonce = NULL, tx_hash = NULL, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [batchId],
    )) as [unknown, number];
    return count;
  }

  async markFailed(manager: EntityManager, ids: string[], code: string, message: string): Promise<void> {
    await manager.query(
      `UPDATE transactions SET status = 'failed', error_code = $2, error_message = $3, updated_at = now()
        WHERE id = ANY($1::uuid[]) AND status <> 'confirmed'`,
      [ids, code, message.slice(0, 2000)],
    );
  }

  /** Locks a batch's lead row so confirm, requeue and replace of one batch never interleave. */
  async lockLiveBatch(manager: EntityManager, batchId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT id FROM transactions WHERE id = $1 AND status IN ${LIVE} FOR UPDATE`,
      [batchId],
    );
    return rows.length > 0;
  }

  async settle(manager: EntityManager, batchId: string, receipt: ReceiptFacts, outcome: 'confirmed' | 'failed', revertReason?: string) {
    await manager.query(
      `UPDATE transaction_attempts SET status = CASE WHEN tx_hash = $2 THEN 'mined' ELSE 'replaced' END
        WHERE transaction_id = $1 AND status IN ${LIVE}`,
      [batchId, receipt.hash],
    );
    await manager.query(
      `UPDATE transactions SET status = $2::varchar, tx_hash = $3, block_number = $4, gas_used = $5, effective_gas_price = $6,
              confirmed_at = CASE WHEN $2::varchar = 'confirmed' THEN now() ELSE NULL END,
              error_code = CASE WHEN $2::varchar = 'failed' THEN 'TRANSACTION_REVERTED' ELSE NULL END,
              error_message = $7, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [batchId, outcome, receipt.hash, receipt.blockNumber.toString(), receipt.gasUsed.toString(), receipt.effectiveGasPrice.toString(), revertReason ?? null],
    );
  }

  async unfinishedBatches(sender: Address, options: { status?: 'signed' | 'submitted'; belowNonce?: bigint } = {}): Promise<UnfinishedBatch[]> {
    const rows: Array<{ batch_id: string; nonce: string; status: 'signed' | 'submitted'; last_attempt_at: Date }> =
      await this.dataSource.query(
        `SELECT t.batch_id, t.nonce, t.status, max(a.created_at) AS last_attempt_at
           FROM transactions t JOIN transaction_attempts a ON a.transaction_id = t.batch_id
          WHERE t.id = t.batch_id AND t.sender = $1 AND t.status IN ${LIVE}
            AND ($2::text IS NULL OR t.status = $2) AND ($3::bigint IS NULL OR t.nonce < $3)
          GROUP BY t.batch_id, t.nonce, t.status ORDER BY t.nonce`,
        [sender.toLowerCase(), options.status ?? null, options.belowNonce?.toString() ?? null],
      );
    return rows.map((row) => ({ batchId: row.batch_id, nonce: BigInt(row.nonce), status: row.status, lastAttemptAt: row.last_attempt_at }));
  }

  async liveAttempts(batchIds: string[]): Promise<StoredAttempt[]> {
    if (batchIds.length === 0) return [];
    const rows: Array<Record<string, string | Date | null>> = await this.dataSource.query(
      `SELECT id, transaction_id, nonce, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas, gas_limit,
              purpose, status, created_at, submitted_at
         FROM transaction_attempts WHERE transaction_id = ANY($1::uuid[]) AND status IN ${LIVE} ORDER BY created_at`,
      [batchIds],
    );
    return rows.map((row) => ({
      id: row.id as string,
      batchId: row.transaction_id as string,
      nonce: BigInt(row.nonce as string),
      hash: row.tx_hash as Hex,
      raw: row.raw_tx as Hex,
      fees: { maxFeePerGas: BigInt(row.max_fee_per_gas as string), maxPriorityFeePerGas: BigInt(row.max_priority_fee_per_gas as string) },
      gasLimit: BigInt((row.gas_limit as string | null) ?? '0'),
      purpose: row.purpose as TransactionAttemptPurpose,
      status: row.status as 'signed' | 'submitted',
      createdAt: row.created_at as Date,
      submittedAt: row.submitted_at as Date | null,
    }));
  }

  /** Nonces held by stored, unfinished transactions of a wallet, at or above `from`. */
  async heldNonces(sender: Address, from: bigint): Promise<bigint[]> {
    const rows: Array<{ nonce: string }> = await this.dataSource.query(
      `SELECT DISTINCT nonce FROM transactions WHERE sender = $1 AND status IN ${LIVE} AND nonce >= $2`,
      [sender.toLowerCase(), from.toString()],
    );
    return rows.map((row) => BigInt(row.nonce));
  }

  async queuedCount(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS count FROM transactions WHERE status = 'queued'`)) as [
      { count: number },
    ];
    return row.count;
  }

  private async insertAttempt(manager: EntityManager, attempt: SignedAttempt): Promise<void> {
    await manager.query(
      `INSERT INTO transaction_attempts
         (transaction_id, nonce, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas, gas_limit, status, purpose)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'signed', $8)`,
      [
        attempt.batchId,
        attempt.nonce.toString(),
        attempt.hash,
        attempt.raw,
        attempt.fees.maxFeePerGas.toString(),
        attempt.fees.maxPriorityFeePerGas.toString(),
        attempt.gasLimit.toString(),
        attempt.purpose,
      ],
    );
  }
}
