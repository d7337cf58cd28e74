import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { Address, Hex } from 'viem';

import {
  type Claim,
  ClaimLostError,
  type InFlightStatus,
  type ReceiptFacts,
  type SignedAttempt,
  type StoredAttempt,
  type UnfinishedBatch,
  type WatchedBlock,
} from './pipeline/pipeline.records';
import { Transaction, type TransactionKind, type TransactionStatus } from './transaction.entity';
import { TransactionAttempt } from './transaction-attempt.entity';

/** An accepted request as intake stores it, before anything is sent. */
export type NewTransaction = Pick<
  Transaction,
  'clientId' | 'kind' | 'userId' | 'amount' | 'reason' | 'idempotencyKey' | 'requestHash' | 'chainId'
> & {
  address: Address;
  /** Where status callbacks go; absent or null: none. */
  callbackUrl?: string | null;
};

/** A request that just became `confirmed`, and how long that took from its acceptance. */
export interface ConfirmedTransaction {
  kind: TransactionKind;
  acceptedToConfirmedSeconds: number;
}

/** A request waiting for a block, as the monitor describes it. */
export interface WaitingRequest {
  id: string;
  kind: TransactionKind;
  status: TransactionStatus;
  clientId: string;
  nonce: string | null;
  txHash: string | null;
  ageSeconds: number;
}

/** Requests waiting for a block past some age: how many, where, and the oldest. */
export interface WaitingForBlock {
  count: number;
  byStatus: Partial<Record<TransactionStatus, number>>;
  /** The wallets that signed those already signed. */
  senders: string[];
  /** Oldest first. */
  oldest: WaitingRequest[];
}

/** What the confirming updates return of each row they moved; `status` tells the newly confirmed apart. */
const CONFIRMED_RETURNING = `RETURNING t.kind, t.status, extract(epoch FROM t.confirmed_at - t.created_at)::float8 AS seconds`;
type MovedRow = { kind: TransactionKind; status: TransactionStatus; seconds: number | null };

/** A claimed row as node-postgres returns it: `numeric` as a decimal string. */
type ClaimedRow = Pick<Transaction, 'id' | 'kind' | 'address' | 'reason'> & { amount: string; created_at: Date };

/** On chain or on its way: these statuses hold their nonce. */
const LIVE = `('signed', 'submitted', 'mined', 'reorged')`;
/** Accepted and not yet in a block: what the monitor calls pending. */
const WAITING_FOR_BLOCK = `('queued', 'signed', 'submitted', 'reorged')`;
/** Attempts that may still be, or have become, the one the chain holds. */
const CANDIDATE_ATTEMPTS = `('signed', 'submitted', 'mined', 'replaced')`;
/**
 * An attempt (`a`) of its batch's current round: signed at the nonce the batch holds now. Attempts
 * are stored under the batch's lead request, and requests sent back to the queue are usually
 * led by the same request when they are signed again, under a new nonce. The earlier round's
 * attempts are history from then on; one of them is mined (our cancel, or a send that reverted
 * for a reason outside the requests, such as a paused contract). No later receipt, reorg or
 * requeue of the batch may relabel them, least of all put them back in flight: the confirmer
 * would find that old receipt and queue the requests a second time though the new send may
 * land too.
 */
const OF_CURRENT_ROUND = `a.nonce = (SELECT lead.nonce FROM transactions lead WHERE lead.id = a.transaction_id)`;
// First halves of two-int advisory keys: key spaces of their own, apart from the single
// bigint keys of the migration and test-template locks.
const WALLET_ROLE_LOCK_NAMESPACE = 0x4856_4346; // "HVCF"
const REDEEM_LOCK_NAMESPACE = 0x4856_5244; // "HVRD"

/*
 * The pipeline's polls. A batch's rows share sender, nonce, status and block, so its lead row
 * (id = batch_id) speaks for all of them: the polls read leads only, through indexes of leads
 * only (ix_transactions_live_batches, ix_transactions_settled_batches), one row per send and
 * not one per request. Reading every request row, they cost PostgreSQL ~40 s of statement
 * time per 100,000 mints in bench:mint, about as much as the pipeline's own writes.
 */
/** Wallets with sends on chain or on their way. */
export const SENDERS_IN_FLIGHT = `SELECT DISTINCT sender FROM transactions WHERE id = batch_id AND status IN ${LIVE}`;
/** $1 sender: its sends on chain or on their way. */
export const IN_FLIGHT_COUNT = `SELECT count(*)::int AS count FROM transactions WHERE sender = $1 AND id = batch_id AND status IN ${LIVE}`;
/** $1 sender, $2 lowest nonce: the nonces its unsettled sends hold. */
export const HELD_NONCES = `SELECT DISTINCT nonce FROM transactions WHERE id = batch_id AND sender = $1 AND status IN ${LIVE} AND nonce >= $2`;
/** $1 lowest block, $2 minutes: blocks holding a mined send, or a send settled recently at or above $1. */
export const WATCHED_BLOCKS = `SELECT block_number, block_hash, bool_or(mined) AS mined
  FROM (SELECT block_number, block_hash, true AS mined FROM transactions
         WHERE id = batch_id AND status = 'mined' AND block_hash IS NOT NULL
        UNION ALL
        SELECT block_number, block_hash, false FROM transactions
         WHERE id = batch_id AND block_hash IS NOT NULL AND block_number >= $1
           AND status IN ('confirmed', 'failed') AND updated_at > now() - make_interval(mins => $2)) watched
  GROUP BY block_number, block_hash ORDER BY block_number`;
/**
 * `lockForRetry`'s read: $1 the request, $2 the reorg watch in minutes. The watch of its block
 * is read from the block's batch leads, the rows the pipeline indexes by block.
 */
export const LOCK_FOR_RETRY = `SELECT t.status,
        CASE WHEN t.block_hash IS NULL THEN 0 ELSE (
          SELECT greatest(0, ceil(extract(epoch FROM max(
                   CASE WHEN w.status = 'mined' THEN now() ELSE w.updated_at END + make_interval(mins => $2)) - now())))::int
            FROM transactions w
           WHERE w.id = w.batch_id AND w.block_hash IS NOT NULL AND w.block_number = t.block_number AND w.block_hash = t.block_hash)
        END AS reorg_watch_seconds
   FROM transactions t WHERE t.id = $1 FOR UPDATE OF t`;
/** `markReorged`'s update: $1 the stale block's hash, $2 its number. */
export const MARK_REORGED = `UPDATE transactions SET status = 'reorged', block_number = NULL, block_hash = NULL, confirmations = NULL,
       gas_used = NULL, effective_gas_price = NULL, confirmed_at = NULL, error_code = NULL, error_message = NULL,
       reorg_count = reorg_count + 1, updated_at = now()
 WHERE batch_id IN (SELECT id FROM transactions WHERE id = batch_id AND block_hash IS NOT NULL AND block_number = $2 AND block_hash = $1)
   AND block_hash = $1 AND status IN ('mined', 'confirmed', 'failed')
 RETURNING batch_id`;
/** $1 lowest block, $2 minutes: whether anything is in flight or still watched. */
export const HAS_WORK = `SELECT EXISTS (SELECT 1 FROM transactions WHERE id = batch_id AND status IN ${LIVE})
    OR EXISTS (SELECT 1 FROM transactions WHERE id = batch_id AND block_hash IS NOT NULL AND block_number >= $1
                 AND status IN ('confirmed', 'failed') AND updated_at > now() - make_interval(mins => $2)) AS any`;

/**
 * A queue that grew faster than the statistics (a burst of bulk requests, a table too large
 * for 10 % of it to be a burst) looks nearly empty to the planner, which then reads and sorts
 * the whole queue for every claim: 100,000 queued, 180-240 ms idle. Without sorts the only
 * plan left is the walk of the index in claim order, whatever the statistics say.
 */
export const CLAIM_PLANNER_SETTINGS = 'SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off';

/**
 * Leases the oldest queued requests: $1 claim token, $2 how many, $3 lease seconds, $4 kinds
 * to skip. Walks `ix_transactions_queued_created_at_id` in claim order, so it reads the rows it
 * takes, not the whole queue; `ARRAY(...)` makes the planner find them by primary key, where
 * `IN (...)` made it hash-join them against a scan of the whole table. Run after
 * CLAIM_PLANNER_SETTINGS, in the same transaction.
 */
export const CLAIM_QUEUED = `UPDATE transactions t SET claim_token = $1, claimed_until = now() + make_interval(secs => $3)
  WHERE t.id = ANY(ARRAY(SELECT id FROM transactions
                          WHERE status = 'queued' AND (claimed_until IS NULL OR claimed_until < now()) AND kind <> ALL($4::varchar[])
                          ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED))
  RETURNING t.id, t.kind, t.address, t.amount, t.reason, t.created_at`;

/**
 * The one owner of the transactions aggregate: `transactions` (accepted requests) and its
 * child table `transaction_attempts` (the signed versions of each). Intake stores requests
 * here, the client API reads them, the send pipeline moves them on chain. The pipeline's
 * statements are hand-written SQL, one statement per table per step however many rows it
 * moves; status changes are guarded by the status they leave, so two instances confirming
 * or requeuing the same batch cannot undo each other. Methods that take an `EntityManager`
 * run inside the caller's transaction (see `transaction`).
 */
@Injectable()
export class TransactionRepository {
  private readonly confirmedListeners: Array<(confirmed: ConfirmedTransaction[]) => void> = [];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Hears every request this instance moves to `confirmed`, once, after the change is committed (metrics). */
  onConfirmed(listener: (confirmed: ConfirmedTransaction[]) => void): void {
    this.confirmedListeners.push(listener);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Transaction | null> {
    return manager.getRepository(Transaction).findOneBy({ id });
  }

  /** Idempotency keys are the client's own: another client's equal key is a different request. */
  findByIdempotencyKey(
    clientId: string,
    idempotencyKey: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Transaction | null> {
    return manager.getRepository(Transaction).findOneBy({ clientId, idempotencyKey });
  }

  /**
   * Up to `take` requests, newest first, filtered, and older than the request `beforeId` (a
   * keyset cursor). `clientId` absent: every client's (the admin view).
   */
  newestFirst(query: {
    clientId?: string;
    userId?: string;
    status?: TransactionStatus;
    beforeId?: string;
    take: number;
  }): Promise<Transaction[]> {
    const builder = this.dataSource
      .getRepository(Transaction)
      .createQueryBuilder('t')
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .take(query.take);
    if (query.clientId !== undefined) builder.andWhere('t.client_id = :clientId', { clientId: query.clientId });
    if (query.userId !== undefined) builder.andWhere('t.user_id = :userId', { userId: query.userId });
    if (query.status !== undefined) builder.andWhere('t.status = :status', { status: query.status });
    if (query.beforeId !== undefined) {
      // Compared with the cursor row's own timestamp: PostgreSQL keeps microseconds, a JS
      // Date only milliseconds, and a rounded cursor would skip rows.
      builder.andWhere('(t.created_at, t.id) < (SELECT c.created_at, c.id FROM transactions c WHERE c.id = :beforeId)', {
        beforeId: query.beforeId,
      });
    }
    return builder.getMany();
  }

  /**
   * Runs `work` in a transaction holding a lock on `holder` that every instance honours, so
   * concurrent redemptions from one address are checked against each other's amounts one at
   * a time instead of all passing against the same balance.
   */
  withHolderLock<T>(holder: Address, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REDEEM_LOCK_NAMESPACE, holder.toLowerCase()]);
      return work(manager);
    });
  }

  /** Redemptions of `holder` accepted but not yet settled on chain, in wei. */
  async pendingBurns(manager: EntityManager, holder: Address): Promise<bigint> {
    const [{ pending }]: Array<{ pending: string }> = await manager.query(
      `SELECT coalesce(sum(amount), 0)::text AS pending FROM transactions
        WHERE kind = 'burn' AND address = $1 AND status IN ('queued', 'signed', 'submitted', 'mined', 'reorged')`,
      [holder],
    );
    return BigInt(pending);
  }

  /**
   * Leases up to `limit` queued requests, oldest first, to this caller for `leaseMs`. The
   * lease is a committed row update, not a lock held open: estimating and signing happen
   * outside any database transaction, and a caller that dies simply lets its lease run out.
   */
  async claimQueued(limit: number, leaseMs: number, skipKinds: readonly string[] = []): Promise<Claim> {
    const token = randomUUID();
    // TypeORM answers an UPDATE with [rows, affected count].
    const rows = await this.dataSource.transaction(async (manager) => {
      await manager.query(CLAIM_PLANNER_SETTINGS);
      const [claimed] = await manager.query<[ClaimedRow[], number]>(CLAIM_QUEUED, [token, limit, leaseMs / 1000, skipKinds]);
      return claimed;
    });
    rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
    return {
      token,
      requests: rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        address: row.address as Address,
        amount: BigInt(row.amount),
        reason: row.reason,
      })),
    };
  }

  /** Gives back whatever of a claim was neither stored nor failed, for any instance to take. */
  async releaseClaim(token: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE transactions SET claim_token = NULL, claimed_until = NULL WHERE claim_token = $1 AND status = 'queued'`,
      [token],
    );
  }

  /**
   * Stores the signed bytes before anything is broadcast: after a crash they are sent again
   * as they are. One statement per table for the whole step, however many sends it holds.
   * Throws (rolling back) if any request is no longer under this caller's claim.
   */
  async storeSigned(
    manager: EntityManager,
    sends: Array<{ attempt: SignedAttempt; requestIds: string[] }>,
    sender: Address,
    claimToken: string,
  ): Promise<void> {
    if (sends.length === 0) return;
    await this.insertAttempts(
      manager,
      sends.map((send) => send.attempt),
    );
    const requests = sends.flatMap(({ attempt, requestIds }) => requestIds.map((id) => ({ id, attempt })));
    const [, updated] = await manager.query<[unknown, number]>(
      `UPDATE transactions t SET status = 'signed', batch_id = s.batch_id, sender = $1, nonce = s.nonce, tx_hash = s.tx_hash,
              attempt_count = t.attempt_count + 1, error_code = NULL, error_message = NULL, updated_at = now(),
              claim_token = NULL, claimed_until = NULL
         FROM unnest($2::uuid[], $3::uuid[], $4::bigint[], $5::char(66)[]) AS s(id, batch_id, nonce, tx_hash)
        WHERE t.id = s.id AND t.status = 'queued' AND t.claim_token = $6`,
      [
        sender.toLowerCase(),
        requests.map((request) => request.id),
        requests.map((request) => request.attempt.batchId),
        requests.map((request) => request.attempt.nonce.toString()),
        requests.map((request) => request.attempt.hash),
        claimToken,
      ],
    );
    if (updated !== requests.length) throw new ClaimLostError(requests.length - updated);
  }

  /** A replacement for a batch still waiting: same nonce, new fees. */
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

  /** The chain proved another transaction took the nonce: the requests go back to the queue. */
  async requeue(manager: EntityManager, batchId: string): Promise<number> {
    await manager.query(
      `UPDATE transaction_attempts a SET status = 'dropped'
        WHERE a.transaction_id = $1 AND a.status IN ${CANDIDATE_ATTEMPTS} AND ${OF_CURRENT_ROUND}`,
      [batchId],
    );
    return this.returnToQueue(manager, batchId);
  }

  /**
   * Our own transaction took the nonce without executing the requests (a cancel, or a call
   * that reverted for a reason outside them, such as a paused contract): it is the mined
   * attempt, and the requests go back to the queue for a new nonce.
   */
  async requeueUnexecuted(manager: EntityManager, batchId: string, minedHash: Hex): Promise<number> {
    await this.markWinner(manager, batchId, minedHash);
    return this.returnToQueue(manager, batchId);
  }

  /** The node will never take the signed transaction: its requests fail and give up the nonce. */
  async failUnsendable(manager: EntityManager, batchId: string, message: string): Promise<void> {
    await manager.query(
      `UPDATE transaction_attempts a SET status = 'dropped'
        WHERE a.transaction_id = $1 AND a.status IN ${CANDIDATE_ATTEMPTS} AND ${OF_CURRENT_ROUND}`,
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
    const [, count] = await manager.query<[unknown, number]>(
      `UPDATE transactions SET status = 'queued', batch_id = NULL, sender = NULL, nonce = NULL, tx_hash = NULL,
              block_number = NULL, block_hash = NULL, confirmations = NULL, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [batchId],
    );
    return count;
  }

  /** Fails claimed requests whose own call would revert; only while they are still this claim's. */
  async failClaimed(ids: string[], claimToken: string, code: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE transactions SET status = 'failed', error_code = $2, error_message = $3, updated_at = now(),
              claim_token = NULL, claimed_until = NULL
        WHERE id = ANY($1::uuid[]) AND status = 'queued' AND claim_token = $4`,
      [ids, code, message.slice(0, 2000), claimToken],
    );
  }

  /** Locks a batch's lead row so confirm, requeue and replace of one batch never interleave. */
  async lockLiveBatch(manager: EntityManager, batchId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT id FROM transactions WHERE id = $1 AND status IN ${LIVE} FOR UPDATE`, [batchId]);
    return rows.length > 0;
  }

  /** A reverted transaction, final: the requests failed on chain. */
  async settleReverted(
    manager: EntityManager,
    batchId: string,
    receipt: ReceiptFacts,
    confirmations: number,
    reason: string,
  ): Promise<void> {
    await this.markWinner(manager, batchId, receipt.hash);
    await manager.query(
      `UPDATE transactions SET status = 'failed', tx_hash = $2, block_number = $3, block_hash = $4, gas_used = $5,
              effective_gas_price = $6, confirmations = $7, error_code = 'TRANSACTION_REVERTED', error_message = $8,
              confirmed_at = NULL, updated_at = now()
        WHERE batch_id = $1 AND status IN ${LIVE}`,
      [
        batchId,
        receipt.hash,
        receipt.blockNumber.toString(),
        receipt.blockHash,
        receipt.gasUsed.toString(),
        receipt.effectiveGasPrice.toString(),
        confirmations,
        reason.slice(0, 2000),
      ],
    );
  }

  /**
   * Records successful receipts in bulk: `mined` while short of the confirmations asked
   * for, `confirmed` once there. The winning attempt is marked mined, the others of its round replaced.
   * Also moves a batch already recorded to the block a reorg put it in.
   */
  async recordSuccess(items: Array<ReceiptFacts & { batchId: string; confirmations: number; final: boolean }>): Promise<void> {
    if (items.length === 0) return;
    const moved = await this.transaction(async (manager) => {
      const batchIds = items.map((item) => item.batchId);
      await manager.query(`SELECT id FROM transactions WHERE id = ANY($1::uuid[]) AND status IN ${LIVE} FOR UPDATE`, [batchIds]);
      await manager.query(
        `UPDATE transaction_attempts a SET status = CASE WHEN a.tx_hash = s.tx_hash THEN 'mined' ELSE 'replaced' END
           FROM unnest($1::uuid[], $2::char(66)[]) AS s(batch_id, tx_hash)
          WHERE a.transaction_id = s.batch_id AND a.status IN ${CANDIDATE_ATTEMPTS} AND ${OF_CURRENT_ROUND}`,
        [batchIds, items.map((item) => item.hash)],
      );
      const [rows] = await manager.query<[MovedRow[], number]>(
        `UPDATE transactions t SET status = CASE WHEN s.final THEN 'confirmed' ELSE 'mined' END, tx_hash = s.tx_hash,
                block_number = s.block_number, block_hash = s.block_hash, gas_used = s.gas_used, effective_gas_price = s.price,
                confirmations = s.confirmations, confirmed_at = CASE WHEN s.final THEN now() ELSE NULL END,
                error_code = NULL, error_message = NULL, updated_at = now()
           FROM unnest($1::uuid[], $2::char(66)[], $3::bigint[], $4::char(66)[], $5::numeric[], $6::numeric[], $7::int[], $8::boolean[])
             AS s(batch_id, tx_hash, block_number, block_hash, gas_used, price, confirmations, final)
          WHERE t.batch_id = s.batch_id AND t.status IN ${LIVE}
          ${CONFIRMED_RETURNING}`,
        [
          batchIds,
          items.map((item) => item.hash),
          items.map((item) => item.blockNumber.toString()),
          items.map((item) => item.blockHash),
          items.map((item) => item.gasUsed.toString()),
          items.map((item) => item.effectiveGasPrice.toString()),
          items.map((item) => item.confirmations),
          items.map((item) => item.final),
        ],
      );
      return rows;
    });
    this.announceConfirmed(moved);
  }

  /**
   * As the head grows: the confirmations of `mined` batches in `blocks` (canonical hashes,
   * just checked), and `confirmed` for those `finalDepth` deep. One statement for all.
   */
  async deepen(blocks: readonly Hex[], head: bigint, finalDepth: number): Promise<void> {
    if (blocks.length === 0) return;
    const [moved] = await this.dataSource.query<[MovedRow[], number]>(
      `UPDATE transactions t SET confirmations = ($2::bigint - block_number + 1)::int, updated_at = now(),
              status = CASE WHEN $2::bigint - block_number + 1 >= $3 THEN 'confirmed' ELSE status END,
              confirmed_at = CASE WHEN $2::bigint - block_number + 1 >= $3 THEN now() ELSE NULL END
        WHERE status = 'mined' AND block_hash = ANY($1::char(66)[])
        ${CONFIRMED_RETURNING}`,
      [blocks, head.toString(), finalDepth],
    );
    this.announceConfirmed(moved);
  }

  /** Both confirming updates move only rows not yet confirmed (live, `mined`): each `confirmed` row they return was confirmed just now. */
  private announceConfirmed(moved: MovedRow[]): void {
    const confirmed = moved
      .filter((row) => row.status === 'confirmed' && row.seconds !== null)
      .map((row) => ({ kind: row.kind, acceptedToConfirmedSeconds: row.seconds! }));
    if (confirmed.length === 0) return;
    for (const listener of this.confirmedListeners) listener(confirmed);
  }

  /**
   * A block left the chain: every batch it held goes back in flight. All their attempts may
   * land again, so all go back to live with their signed bytes, and the requests say
   * `reorged`. Returns the batches moved. The block's batches are found by their leads, the
   * rows the pipeline indexes by block; the block's other rows by their batch.
   */
  async markReorged(stale: { number: bigint; hash: Hex }): Promise<string[]> {
    return this.transaction(async (manager) => {
      const [rows] = await manager.query<[Array<{ batch_id: string }>, number]>(MARK_REORGED, [stale.hash, stale.number.toString()]);
      const batchIds = [...new Set(rows.map((row) => row.batch_id))];
      await manager.query(
        `UPDATE transaction_attempts a SET status = 'submitted'
          WHERE a.transaction_id = ANY($1::uuid[]) AND a.status IN ('mined', 'replaced') AND ${OF_CURRENT_ROUND}`,
        [batchIds],
      );
      return batchIds;
    });
  }

  /**
   * Makes one instance at a time do `role`'s work for a wallet (confirming, replacing): the
   * others would repeat the same RPC calls and race to write the same rows. A session lock
   * on a connection held for the work, not a transaction: the work makes RPC calls, and no
   * transaction should stay open across them. `undefined` if another instance holds it.
   */
  async withWalletRole<T>(role: 'confirmer' | 'replacer', sender: string, work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const key = [WALLET_ROLE_LOCK_NAMESPACE, `${role}:${sender.toLowerCase()}`];
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, key)) as [{ locked: boolean }];
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, key);
      }
    } finally {
      await runner.release();
    }
  }

  /** Every wallet with transactions on chain or on their way, current signer or not. */
  async sendersInFlight(): Promise<Address[]> {
    const rows: Array<{ sender: string }> = await this.dataSource.query(SENDERS_IN_FLIGHT);
    return rows.map((row) => row.sender as Address);
  }

  async unfinishedBatches(sender: Address, options: { belowNonce?: bigint } = {}): Promise<UnfinishedBatch[]> {
    const rows: Array<{ batch_id: string; nonce: string; status: InFlightStatus; last_attempt_at: Date }> = await this.dataSource.query(
      `SELECT t.batch_id, t.nonce, t.status, max(a.created_at) AS last_attempt_at
         FROM transactions t JOIN transaction_attempts a ON a.transaction_id = t.batch_id
        WHERE t.id = t.batch_id AND t.sender = $1 AND t.status IN ('signed', 'submitted', 'reorged')
          AND ($2::bigint IS NULL OR t.nonce < $2)
        GROUP BY t.batch_id, t.nonce, t.status ORDER BY t.nonce`,
      [sender.toLowerCase(), options.belowNonce?.toString() ?? null],
    );
    return rows.map((row) => ({ batchId: row.batch_id, nonce: BigInt(row.nonce), status: row.status, lastAttemptAt: row.last_attempt_at }));
  }

  /**
   * Blocks holding batches that may still be reorged out: every `mined` batch's, and those of
   * batches settled in the last `watch.minutes` at or above block `watch.sinceBlock`. One row
   * per block, however many transactions it holds.
   */
  async watchedBlocks(watch: { sinceBlock: bigint; minutes: number }): Promise<WatchedBlock[]> {
    const rows: Array<{ block_number: string; block_hash: Hex; mined: boolean }> = await this.dataSource.query(WATCHED_BLOCKS, [
      watch.sinceBlock.toString(),
      watch.minutes,
    ]);
    return rows.map((row) => ({ number: BigInt(row.block_number), hash: row.block_hash, holdsMined: row.mined }));
  }

  /** Whether anything is in flight or still watched for reorgs: the confirmer's only reason to ask the chain. */
  async hasWork(watch: { sinceBlock: bigint; minutes: number }): Promise<boolean> {
    const [row] = await this.dataSource.query<[{ any: boolean }]>(HAS_WORK, [watch.sinceBlock.toString(), watch.minutes]);
    return row.any;
  }

  /** On-chain transactions of a wallet sent or about to be, not yet final. */
  async inFlightCount(sender: Address): Promise<number> {
    const [row] = await this.dataSource.query<[{ count: number }]>(IN_FLIGHT_COUNT, [sender.toLowerCase()]);
    return row.count;
  }

  /** Every attempt of these batches that may be, or become, the one the chain holds. */
  async liveAttempts(batchIds: string[]): Promise<StoredAttempt[]> {
    if (batchIds.length === 0) return [];
    const rows = await this.dataSource.getRepository(TransactionAttempt).find({
      where: { transactionId: In(batchIds), status: In(['signed', 'submitted']) },
      order: { createdAt: 'ASC' },
    });
    return rows.map((row) => ({
      id: row.id,
      batchId: row.transactionId,
      nonce: row.nonce,
      hash: row.txHash as Hex,
      raw: row.rawTx as Hex,
      fees: { maxFeePerGas: row.maxFeePerGas, maxPriorityFeePerGas: row.maxPriorityFeePerGas },
      gasLimit: row.gasLimit ?? 0n,
      purpose: row.purpose,
      signedAtBlock: row.signedAtBlock,
      status: row.status as StoredAttempt['status'],
      createdAt: row.createdAt,
      submittedAt: row.submittedAt,
    }));
  }

  /** Nonces held by stored transactions of a wallet not yet final, at or above `from`. */
  async heldNonces(sender: Address, from: bigint): Promise<bigint[]> {
    const rows: Array<{ nonce: string }> = await this.dataSource.query(HELD_NONCES, [sender.toLowerCase(), from.toString()]);
    return rows.map((row) => BigInt(row.nonce));
  }

  /** Accepted requests not yet settled, and those of them older than `stuckAfterMinutes`. */
  async backlog(stuckAfterMinutes: number): Promise<{ pending: number; stuck: number }> {
    const [row] = await this.dataSource.query<[{ pending: number; stuck: number }]>(
      `SELECT count(*)::int AS pending,
              count(*) FILTER (WHERE created_at < now() - make_interval(secs => $1))::int AS stuck
         FROM transactions WHERE status IN ('queued', 'signed', 'submitted', 'mined', 'reorged')`,
      [stuckAfterMinutes * 60],
    );
    return row;
  }

  /** Requests by status, for the statuses the table holds; one grouped read (scraped as metrics). */
  countByStatus(): Promise<Array<{ status: TransactionStatus; count: number }>> {
    return this.dataSource.query(`SELECT status, count(*)::int AS count FROM transactions GROUP BY status`);
  }

  async queuedCount(): Promise<number> {
    const [row] = await this.dataSource.query<[{ count: number }]>(
      `SELECT count(*)::int AS count FROM transactions WHERE status = 'queued'`,
    );
    return row.count;
  }

  private async markWinner(manager: EntityManager, batchId: string, minedHash: Hex): Promise<void> {
    await manager.query(
      `UPDATE transaction_attempts a SET status = CASE WHEN a.tx_hash = $2 THEN 'mined' ELSE 'replaced' END
        WHERE a.transaction_id = $1 AND a.status IN ${CANDIDATE_ATTEMPTS} AND ${OF_CURRENT_ROUND}`,
      [batchId, minedHash],
    );
  }

  private async insertAttempts(manager: EntityManager, attempts: SignedAttempt[]): Promise<void> {
    const column = <T>(pick: (attempt: SignedAttempt) => T) => attempts.map(pick);
    // clock_timestamp(), not now(): an attempt's age must count from when it was written,
    // not from when its transaction began.
    await manager.query(
      `INSERT INTO transaction_attempts
         (transaction_id, nonce, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas, gas_limit, status, purpose,
          signed_at_block, created_at)
       SELECT s.transaction_id, s.nonce, s.tx_hash, s.raw_tx, s.max_fee, s.max_priority_fee, s.gas_limit, 'signed', s.purpose,
              s.signed_at_block, clock_timestamp()
         FROM unnest($1::uuid[], $2::bigint[], $3::char(66)[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::varchar[], $9::bigint[])
           AS s(transaction_id, nonce, tx_hash, raw_tx, max_fee, max_priority_fee, gas_limit, purpose, signed_at_block)`,
      [
        column((a) => a.batchId),
        column((a) => a.nonce.toString()),
        column((a) => a.hash),
        column((a) => a.raw),
        column((a) => a.fees.maxFeePerGas.toString()),
        column((a) => a.fees.maxPriorityFeePerGas.toString()),
        column((a) => a.gasLimit.toString()),
        column((a) => a.purpose),
        column((a) => a.signedAtBlock?.toString() ?? null),
      ],
    );
  }

  /**
   * Requests by status, and how many of each were accepted more than `stuckAfterMinutes` ago
   * (counted as `backlog` counts them), in one read so the figures agree with each other.
   */
  async statusCounts(stuckAfterMinutes: number): Promise<Array<{ status: TransactionStatus; count: number; stuck: number }>> {
    return this.dataSource.query(
      `SELECT status, count(*)::int AS count,
              count(*) FILTER (WHERE created_at < now() - make_interval(secs => $1))::int AS stuck
         FROM transactions GROUP BY status`,
      [stuckAfterMinutes * 60],
    );
  }

  /** Requests accepted in the last `hours` that have settled, by outcome. */
  async settledSince(hours: number): Promise<{ confirmed: number; failed: number }> {
    const [row] = await this.dataSource.query<[{ confirmed: number; failed: number }]>(
      `SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM transactions WHERE status IN ('confirmed', 'failed') AND created_at > now() - make_interval(hours => $1)`,
      [hours],
    );
    return row;
  }

  /** The `limit` requests that failed last, the latest failure first. */
  recentFailures(limit: number): Promise<Transaction[]> {
    return this.dataSource.getRepository(Transaction).find({
      where: { status: 'failed' },
      order: { updatedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** The `limit` requests waiting longest to be confirmed or fail, the oldest first. */
  oldestPending(limit: number): Promise<Transaction[]> {
    return this.dataSource.getRepository(Transaction).find({
      where: { status: In(['queued', 'signed', 'submitted', 'mined', 'reorged']) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /**
   * Locks a request for an admin retry and says whether it may go back to the queue: its
   * status, and for a failure that reached a block, the seconds that block stays watched
   * for a reorg (as `watchedBlocks` watches it: while any of its requests is `mined`, and
   * `watchMinutes` after the last one settled). A reorg could still bring the old
   * transaction back, and with it the old batch: the request must not be sent a second time
   * before. Null for an unknown id.
   */
  async lockForRetry(
    manager: EntityManager,
    id: string,
    watchMinutes: number,
  ): Promise<{ status: TransactionStatus; reorgWatchSeconds: number } | null> {
    const rows: Array<{ status: TransactionStatus; reorg_watch_seconds: number }> = await manager.query(LOCK_FOR_RETRY, [id, watchMinutes]);
    return rows.length === 0 ? null : { status: rows[0].status, reorgWatchSeconds: rows[0].reorg_watch_seconds };
  }

  /**
   * An admin retry: a `failed` request goes back to the queue as if just accepted. Nothing of
   * its last send stays on the row (batch, sender, nonce, hash, block, receipt, claim, error),
   * so the sender signs it anew under a new nonce; `attempt_count` and `reorg_count` stay as
   * history. Attempts are stored under the id of their batch's first request, and this request
   * may lead its next batch under its own id again: its earlier attempts are dropped, as
   * `requeue` drops them, so no confirmer, replacer or reorg ever takes one for the new send.
   * Returns whether the request was `failed` (and is now queued).
   */
  async requeueFailed(manager: EntityManager, id: string): Promise<boolean> {
    const [, count] = await manager.query<[unknown, number]>(
      `UPDATE transactions SET status = 'queued', batch_id = NULL, sender = NULL, nonce = NULL, tx_hash = NULL,
              block_number = NULL, block_hash = NULL, confirmations = NULL, gas_used = NULL, effective_gas_price = NULL,
              submitted_at = NULL, confirmed_at = NULL, error_code = NULL, error_message = NULL,
              claim_token = NULL, claimed_until = NULL, updated_at = now()
        WHERE id = $1 AND status = 'failed'`,
      [id],
    );
    if (count !== 1) return false;
    await manager.query(
      `UPDATE transaction_attempts SET status = 'dropped' WHERE transaction_id = $1 AND status IN ${CANDIDATE_ATTEMPTS}`,
      [id],
    );
    return true;
  }

  /**
   * For the monitor: the requests not yet in a block (queued, signed, submitted, reorged)
   * accepted at least `olderThanSeconds` ago: how many, by status and by sending wallet (none
   * while queued), and the oldest `sampleSize` of them with their age by the database clock.
   */
  async waitingForBlock(olderThanSeconds: number, sampleSize: number): Promise<WaitingForBlock> {
    const groups: Array<{ status: TransactionStatus; sender: string | null; count: number }> = await this.dataSource.query(
      `SELECT status, sender, count(*)::int AS count FROM transactions
        WHERE status IN ${WAITING_FOR_BLOCK} AND created_at < now() - make_interval(secs => $1)
        GROUP BY status, sender`,
      [olderThanSeconds],
    );
    if (groups.length === 0) return { count: 0, byStatus: {}, senders: [], oldest: [] };
    const oldest: Array<{
      id: string;
      kind: TransactionKind;
      status: TransactionStatus;
      client_id: string;
      nonce: string | null;
      tx_hash: string | null;
      age_seconds: number;
    }> = await this.dataSource.query(
      `SELECT id, kind, status, client_id, nonce, tx_hash, extract(epoch FROM now() - created_at)::float8 AS age_seconds
         FROM transactions
        WHERE status IN ${WAITING_FOR_BLOCK} AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at, id LIMIT $2`,
      [olderThanSeconds, sampleSize],
    );
    const byStatus: Partial<Record<TransactionStatus, number>> = {};
    for (const { status, count } of groups) byStatus[status] = (byStatus[status] ?? 0) + count;
    return {
      count: groups.reduce((sum, { count }) => sum + count, 0),
      byStatus,
      senders: [...new Set(groups.flatMap(({ sender }) => (sender === null ? [] : [sender.trim()])))].sort(),
      oldest: oldest.map((row) => ({
        id: row.id,
        kind: row.kind,
        status: row.status,
        clientId: row.client_id,
        nonce: row.nonce,
        txHash: row.tx_hash,
        ageSeconds: row.age_seconds,
      })),
    };
  }

  /** For the monitor: requests that failed in the last `seconds` (by when they last changed), oldest first. */
  async failedWithin(
    seconds: number,
    limit: number,
  ): Promise<
    Array<{
      id: string;
      kind: TransactionKind;
      clientId: string;
      errorCode: string | null;
      errorMessage: string | null;
      txHash: string | null;
      failedAt: Date;
    }>
  > {
    const rows: Array<{
      id: string;
      kind: TransactionKind;
      client_id: string;
      error_code: string | null;
      error_message: string | null;
      tx_hash: string | null;
      updated_at: Date;
    }> = await this.dataSource.query(
      `SELECT id, kind, client_id, error_code, error_message, tx_hash, updated_at FROM transactions
          WHERE status = 'failed' AND updated_at > now() - make_interval(secs => $1)
          ORDER BY updated_at, id LIMIT $2`,
      [seconds, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      clientId: row.client_id,
      errorCode: row.error_code,
      errorMessage: row.error_message,
      txHash: row.tx_hash,
      failedAt: row.updated_at,
    }));
  }

  /** For the monitor: requests settled in the last `minutes` (confirmed by `confirmed_at`, failed by their last change), by outcome. */
  async settledWithin(minutes: number): Promise<{ confirmed: number; failed: number }> {
    const [row] = await this.dataSource.query<[{ confirmed: number; failed: number }]>(
      `SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM transactions WHERE status IN ('confirmed', 'failed') AND coalesce(confirmed_at, updated_at) > now() - make_interval(secs => $1)`,
      [minutes * 60],
    );
    return row;
  }
}
