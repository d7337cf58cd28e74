import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';
import { CallbackDelivery, type CallbackDeliveryStatus } from './callback-delivery.entity';

/** A delivery leased to this worker: what it needs to sign and send it, and to record the outcome. */
export interface ClaimedDelivery {
  id: string;
  leaseToken: string;
  clientId: string;
  callbackUrl: string;
  eventStatus: string;
  payload: JsonObject;
  attempts: number;
}

interface ClaimedRow {
  id: string;
  client_id: string;
  callback_url: string;
  event_status: string;
  payload: JsonObject;
  attempts: number;
}

/**
 * The one owner of `callback_deliveries`. Rows are inserted by the database trigger on
 * `transactions`, never here; this class leases them to workers, records what each attempt
 * came to, and reads them for the admin log.
 */
@Injectable()
export class CallbackDeliveryRepository {
  constructor(@InjectRepository(CallbackDelivery) private readonly deliveries: Repository<CallbackDelivery>) {}

  /**
   * Leases up to `limit` due deliveries to the caller for `leaseMs`, on any instance at most
   * once (`SKIP LOCKED`, then a committed lease: the POST happens outside any transaction).
   * Never one behind an earlier pending event of its transaction, delivered or being retried
   * first, so a receiver sees each transaction's changes in order; a `failed` one no longer
   * holds the rest back. So at most one event per transaction is ever out at a time.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const leaseToken = randomUUID();
    const [rows] = await this.deliveries.query<[ClaimedRow[], number]>(
      `UPDATE callback_deliveries d SET lease_token = $1, leased_until = now() + make_interval(secs => $3)
        WHERE d.id IN (
          SELECT c.id FROM callback_deliveries c
           WHERE c.status = 'pending' AND c.next_attempt_at <= now() AND (c.leased_until IS NULL OR c.leased_until < now())
             AND NOT EXISTS (SELECT 1 FROM callback_deliveries e
                              WHERE e.transaction_id = c.transaction_id AND e.id < c.id AND e.status = 'pending')
           ORDER BY c.next_attempt_at, c.id LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.client_id, d.callback_url, d.event_status, d.payload, d.attempts`,
      [leaseToken, limit, leaseMs / 1000],
    );
    return rows.map((row) => ({
      id: row.id,
      leaseToken,
      clientId: row.client_id,
      callbackUrl: row.callback_url,
      eventStatus: row.event_status,
      payload: row.payload,
      attempts: row.attempts,
    }));
  }

  /** The receiver answered 2xx. Only under the caller's lease: one that ran out may have been sent again by another worker. */
  async markDelivered(delivery: ClaimedDelivery): Promise<void> {
    await this.deliveries.query(
      `UPDATE callback_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(), delivered_at = now(),
              last_error = NULL, lease_token = NULL, leased_until = NULL
        WHERE id = $1 AND lease_token = $2`,
      [delivery.id, delivery.leaseToken],
    );
  }

  /** Another attempt after `delayMs`; the lease is given back. */
  async scheduleRetry(delivery: ClaimedDelivery, delayMs: number, reason: string): Promise<void> {
    await this.deliveries.query(
      `UPDATE callback_deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_error = $3,
              next_attempt_at = now() + make_interval(secs => $4), lease_token = NULL, leased_until = NULL
        WHERE id = $1 AND lease_token = $2`,
      [delivery.id, delivery.leaseToken, reason.slice(0, 500), delayMs / 1000],
    );
  }

  /** Final: never tried again unless an operator redelivers it. `attempted`: false when nothing was sent. */
  async markFailed(delivery: ClaimedDelivery, reason: string, attempted: boolean): Promise<void> {
    await this.deliveries.query(
      `UPDATE callback_deliveries SET status = 'failed', attempts = attempts + $3::int, last_attempt_at = now(), last_error = $4,
              lease_token = NULL, leased_until = NULL
        WHERE id = $1 AND lease_token = $2`,
      [delivery.id, delivery.leaseToken, attempted ? 1 : 0, reason.slice(0, 500)],
    );
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.deliveries.query<[{ count: number }]>(
      `SELECT count(*)::int AS count FROM callback_deliveries WHERE status = 'pending'`,
    );
    return row.count;
  }

  findById(id: string): Promise<CallbackDelivery | null> {
    return this.deliveries.findOneBy({ id });
  }

  /** Up to `take` deliveries, newest first, filtered, with ids below `beforeId` (a keyset cursor). */
  newestFirst(query: {
    clientId?: string;
    transactionId?: string;
    status?: CallbackDeliveryStatus;
    beforeId?: string;
    take: number;
  }): Promise<CallbackDelivery[]> {
    const builder = this.deliveries.createQueryBuilder('d').orderBy('d.id', 'DESC').limit(query.take);
    if (query.clientId !== undefined) builder.andWhere('d.client_id = :clientId', { clientId: query.clientId });
    if (query.transactionId !== undefined) builder.andWhere('d.transaction_id = :transactionId', { transactionId: query.transactionId });
    if (query.status !== undefined) builder.andWhere('d.status = :status', { status: query.status });
    if (query.beforeId !== undefined) builder.andWhere('d.id < :beforeId', { beforeId: query.beforeId });
    return builder.getMany();
  }

  /**
   * A finally failed delivery owed again, due now, with its attempts kept as history. It keeps
   * its id and payload, so a receiver that already saw a later event of the transaction can
   * tell it is older. False if it is not `failed` (or does not exist).
   */
  async redeliver(id: string): Promise<boolean> {
    const [, count] = await this.deliveries.query<[unknown, number]>(
      `UPDATE callback_deliveries SET status = 'pending', next_attempt_at = now(), lease_token = NULL, leased_until = NULL
        WHERE id = $1 AND status = 'failed'`,
      [id],
    );
    return count === 1;
  }
}
