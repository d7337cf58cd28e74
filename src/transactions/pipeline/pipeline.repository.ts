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
// First half of two-int advisory keys, apart from the migration and intake locks.
const WALLET_ROLE_LOCK_NAMESPACE = 0x4856_4346; // "HVCF"

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

  /**
   * Stores the signed bytes before anything is broadcast: after a crash they are sent again
   * as they are. One statement per table for the whole step, however many sends it holds.
   */
  async storeSigned(manager: EntityManager, sends: Array<{ attempt: SignedAttempt; requestIds: string[] }>, sender: Address): Promise<void> {
    if (sends.length === 0) return;
    await this.insertAttempts(manager, sends.map((send) => send.attempt));
    const requests = sends.flatMap(({ attempt, requestIds }) => requestIds.map((id) => ({ id, attempt })));
    await manager.query(
      `UPDATE transactions t SET status = 'signed', batch_id = s.batch_id, sender = $1, nonce = s.nonce, tx_hash = s.tx_hash,
              attempt_count = t.attempt_count + 1, error_code = NULL, error_message = NULL, updated_at = now()
         FROM unnest($2::uuid[], $3::uuid[], $4::bigint[], $5::char(66)[]) AS s(id, batch_id, nonce, tx_hash)
        WHERE t.id = s.id`,
      [
        sender.toLowerCase(),
        requests.map((request) => request.id),
        requests.map((request) => request.attempt.batchId),
        requests.map((request) => request.attempt.nonce.toString()),
        requests.map((request) => request.attempt.hash),
      ],
    );
  }

  /** A replacement (or cancel) for a batch still waiting: same nonce, new fees. */
  async storeReplacement(manager: EntityManager, attempt: SignedAttempt): Promise<void> {
    await this.insertAttempts(manager, [attempt]);
    await manager.query(
      `UPDATE transactions SET tx_hash = $2, attempt_count = attempt_count + 1, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [attempt.batchId, attempt.hash],
    );
  }

  /** Records broadcasts the node accepted; one statement per table for any number. */
  async markSubmitted(sends: Array<{ batchId: string; hash: Hex }>): Promise<void> {
    if (sends.length === 0) return;
    await this.dataSource.query(
      `UPDATE transaction_attempts SET status = 'submitted', submitted_at = now()
        WHERE tx_hash = ANY($1::char(66)[]) AND status = 'signed'`,
      [sends.map((send) => send.hash)],
    );
    await this.dataSource.query(
      `UPDATE transactions SET status = 'submitted', submitted_at = coalesce(submitted_at, now()), updated_at = now()
        WHERE batch_id = ANY($1::uuid[]) AND status = 'signed'`,
      [sends.map((send) => send.batchId)],
    );
  }

  /** The nonce went to another transaction: the requests go back to the queue for a new one. */
  async requeue(manager: EntityManager, batchId: string): Promise<number> {
    await manager.query(
      `UPDATE transaction_attempts SET status = 'dropped' WHERE transaction_id = $1 AND status IN ${LIVE}`,
      [batchId],
    );
    return this.returnToQueue(manager, batchId);
  }

  /** Our own no-op took the nonce: it is the mined attempt, and the requests were never executed. */
  async requeueAfterCancel(manager: EntityManager, batchId: string, cancelHash: Hex): Promise<void> {
    await manager.query(
      `UPDATE transaction_attempts SET status = CASE WHEN tx_hash = $2 THEN 'mined' ELSE 'replaced' END
        WHERE transaction_id = $1 AND status IN ${LIVE}`,
      [batchId, cancelHash],
    );
    await this.returnToQueue(manager, batchId);
  }

  /** The node will never take the signed transaction: its requests fail and give up the nonce. */
  async failUnsendable(manager: EntityManager, batchId: string, message: string): Promise<void> {
    await manager.query(
      `UPDATE transaction_attempts SET status = 'dropped' WHERE transaction_id = $1 AND status IN ${LIVE}`,
      [batchId],
    );
    await manager.query(
      `UPDATE transactions SET status = 'failed', batch_id = NULL, sender = NULL, nonce = NULL, tx_hash = NULL,
              error_code = 'TRANSACTION_ERROR', error_message = $2, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [batchId, message.slice(0, 2000)],
    );
  }

  private async returnToQueue(manager: EntityManager, batchId: string): Promise<number> {
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

  /**
   * Makes one instance at a time do `role`'s work for a wallet (confirming, replacing): the
   * others would repeat the same RPC calls and race to write the same rows. Held until the
   * caller's transaction ends; `false` if another instance holds it.
   */
  async tryLockWalletRole(manager: EntityManager, role: 'confirmer' | 'replacer', sender: Address): Promise<boolean> {
    const [row] = (await manager.query(`SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked`, [
      WALLET_ROLE_LOCK_NAMESPACE,
      `${role}:${sender.toLowerCase()}`,
    ])) as [{ locked: boolean }];
    return row.locked;
  }

  /** Settles successful sends in bulk: the winning attempt mined, the others replaced, the requests confirmed. */
  async settleConfirmed(manager: EntityManager, settled: Array<ReceiptFacts & { batchId: string }>): Promise<void> {
    if (settled.length === 0) return;
    const batchIds = settled.map((item) => item.batchId);
    const hashes = settled.map((item) => item.hash);
    await manager.query(`SELECT id FROM transactions WHERE id = ANY($1::uuid[]) AND status IN ${LIVE} FOR UPDATE`, [batchIds]);
    await manager.query(
      `UPDATE transaction_attempts a SET status = CASE WHEN a.tx_hash = s.tx_hash THEN 'mined' ELSE 'replaced' END
         FROM unnest($1::uuid[], $2::char(66)[]) AS s(batch_id, tx_hash)
        WHERE a.transaction_id = s.batch_id AND a.status IN ${LIVE}`,
      [batchIds, hashes],
    );
    await manager.query(
      `UPDATE transactions t SET status = 'confirmed', tx_hash = s.tx_hash, block_number = s.block_number, gas_used = s.gas_used,
              effective_gas_price = s.price, confirmed_at = now(), error_code = NULL, error_message = NULL, updated_at = now()
         FROM unnest($1::uuid[], $2::char(66)[], $3::bigint[], $4::numeric[], $5::numeric[]) AS s(batch_id, tx_hash, block_number, gas_used, price)
        WHERE t.batch_id = s.batch_id AND t.status IN ${LIVE}`,
      [
        batchIds,
        hashes,
        settled.map((item) => item.blockNumber.toString()),
        settled.map((item) => item.gasUsed.toString()),
        settled.map((item) => item.effectiveGasPrice.toString()),
      ],
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

  /** On-chain transactions of a wallet sent or about to be, not yet settled. */
  async inFlightCount(sender: Address): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS count FROM transactions WHERE sender = $1 AND id = batch_id AND status IN ${LIVE}`,
      [sender.toLowerCase()],
    )) as [{ count: number }];
    return row.count;
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

  /** Accepted requests not yet settled, and those of them older than `stuckAfterMinutes`. */
  async backlog(stuckAfterMinutes: number): Promise<{ pending: number; stuck: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS pending,
              count(*) FILTER (WHERE created_at < now() - make_interval(secs => $1))::int AS stuck
         FROM transactions WHERE status IN ('queued', 'signed', 'submitted')`,
      [stuckAfterMinutes * 60],
    )) as [{ pending: number; stuck: number }];
    return row;
  }

  async queuedCount(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS count FROM transactions WHERE status = 'queued'`)) as [
      { count: number },
    ];
    return row.count;
  }

  private async insertAttempts(manager: EntityManager, attempts: SignedAttempt[]): Promise<void> {
    const column = <T>(pick: (attempt: SignedAttempt) => T) => attempts.map(pick);
    await manager.query(
      `INSERT INTO transaction_attempts
         (transaction_id, nonce, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas, gas_limit, status, purpose)
       SELECT s.transaction_id, s.nonce, s.tx_hash, s.raw_tx, s.max_fee, s.max_priority_fee, s.gas_limit, 'signed', s.purpose
         FROM unnest($1::uuid[], $2::bigint[], $3::char(66)[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::varchar[])
           AS s(transaction_id, nonce, tx_hash, raw_tx, max_fee, max_priority_fee, gas_limit, purpose)`,
      [
        column((a) => a.batchId),
        column((a) => a.nonce.toString()),
        column((a) => a.hash),
        column((a) => a.raw),
        column((a) => a.fees.maxFeePerGas.toString()),
        column((a) => a.fees.maxPriorityFeePerGas.toString()),
        column((a) => a.gasLimit.toString()),
        column((a) => a.purpose),
      ],
    );
  }
}
