import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import type { AlertChannel } from '../../config/env.schema';
import { AlertDelivery, type AlertDeliveryEvent } from './alert-delivery.entity';
import type { DeliveryTarget } from './alert-routing';

/** A delivery this instance holds the lease on; `claimToken` proves it when recording the outcome. */
export type ClaimedDelivery = Pick<AlertDelivery, 'id' | 'alertId' | 'event' | 'channel' | 'target' | 'attempts'> & { claimToken: string };

/** Sending an alert for the first time, or escalating it: what acknowledge and resolve follow up on. */
const SENT_EVENTS: AlertDeliveryEvent[] = ['trigger', 'test', 'escalate'];

/** The one owner of `alert_deliveries`. */
@Injectable()
export class AlertDeliveryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One pending delivery per target, in the caller's transaction; an (alert, event, target) already there stays as it is. */
  async enqueue(manager: EntityManager, alertId: string, event: AlertDeliveryEvent, targets: DeliveryTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(AlertDelivery)
      .values(targets.map(({ channel, target }) => ({ alertId, event, channel, target })))
      .orIgnore()
      .execute();
  }

  /**
   * Follows up on the targets that got (or are still to get) the alert: an acknowledgement goes
   * to PagerDuty only, whose incident it updates; a resolution to every one of them. Targets
   * whose delivery finally failed are left out.
   */
  async enqueueFollowUp(manager: EntityManager, alertId: string, event: 'acknowledge' | 'resolve'): Promise<void> {
    await manager.query(
      `INSERT INTO alert_deliveries (alert_id, event, channel, target)
       SELECT DISTINCT alert_id, $2::varchar, channel, target FROM alert_deliveries
        WHERE alert_id = $1 AND event = ANY($3) AND status IN ('pending', 'delivered') AND ($2::varchar = 'resolve' OR channel = 'pagerduty')
       ON CONFLICT DO NOTHING`,
      [alertId, event, SENT_EVENTS],
    );
  }

  /**
   * Leases up to `limit` due deliveries on `channels` to this instance. SKIP LOCKED lets every
   * instance claim at once without waiting on or taking each other's rows; the lease hands a
   * row to another instance if this one dies holding it. A delivery waits while an earlier one
   * for the same alert and target is pending, so a receiver never hears "resolved" before the trigger.
   */
  async claim(channels: AlertChannel[], limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const token = randomUUID();
    const [rows] = await this.dataSource.query<[Array<Omit<ClaimedDelivery, 'claimToken'>>, number]>(
      `UPDATE alert_deliveries SET claimed_until = now() + make_interval(secs => $3::double precision / 1000), claim_token = $4
        WHERE id IN (
          SELECT d.id FROM alert_deliveries d
           WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.channel = ANY($1)
             AND (d.claimed_until IS NULL OR d.claimed_until < now())
             AND NOT EXISTS (SELECT 1 FROM alert_deliveries e
                              WHERE e.alert_id = d.alert_id AND e.target = d.target AND e.status = 'pending' AND e.created_at < d.created_at)
           ORDER BY d.next_attempt_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING id, alert_id AS "alertId", event, channel, target, attempts`,
      [channels, limit, leaseMs, token],
    );
    return rows.map((row) => ({ ...row, claimToken: token }));
  }

  /** The receiver took it: never sent again. */
  async recordDelivered(delivery: ClaimedDelivery): Promise<void> {
    await this.settle(delivery, `status = 'delivered', delivered_at = now(), next_attempt_at = NULL`, []);
  }

  /** Not taken this time: tried again after `delayMs`. */
  async recordRetry(delivery: ClaimedDelivery, reason: string, delayMs: number): Promise<void> {
    await this.settle(delivery, `last_error = $3, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)`, [
      reason,
      delayMs,
    ]);
  }

  /** Refused for good (a 4xx, a target no longer configured): never tried again. */
  async recordFailed(delivery: ClaimedDelivery, reason: string): Promise<void> {
    await this.settle(delivery, `status = 'failed', last_error = $3, next_attempt_at = NULL`, [reason]);
  }

  /** Not attempted (its breaker refused): due again at `until`, with no attempt counted. */
  async postpone(delivery: ClaimedDelivery, until: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_deliveries SET next_attempt_at = $3, claimed_until = NULL, claim_token = NULL, updated_at = now()
        WHERE id = $1 AND claim_token = $2`,
      [delivery.id, delivery.claimToken, until],
    );
  }

  /** An alert's deliveries, oldest first. */
  forAlert(alertId: string): Promise<AlertDelivery[]> {
    return this.dataSource.getRepository(AlertDelivery).find({ where: { alertId }, order: { createdAt: 'ASC', target: 'ASC' } });
  }

  async pendingCount(): Promise<number> {
    const [{ count }] = await this.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM alert_deliveries WHERE status = 'pending'`,
    );
    return count;
  }

  /** Counts the attempt and ends the lease; a lease that ran out and was taken over records nothing. */
  private async settle(delivery: ClaimedDelivery, changes: string, values: unknown[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_deliveries SET ${changes}, attempts = attempts + 1, claimed_until = NULL, claim_token = NULL, updated_at = now()
        WHERE id = $1 AND claim_token = $2`,
      [delivery.id, delivery.claimToken, ...values],
    );
  }
}
