import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In } from 'typeorm';

import type { AlertSeverity, AlertStatus } from './alert.constants';
import { AlertLog } from './alert-log.entity';
import type { AlertDeliveryEvent } from './delivery/alert-delivery.entity';
import { AlertDeliveryRepository } from './delivery/alert-delivery.repository';
import type { DeliveryTarget } from './delivery/alert-routing';

/** A new alert row; everything else starts at its column default (`open`, one occurrence). */
export type NewAlertLog = Pick<AlertLog, 'severity' | 'category' | 'title' | 'message' | 'data' | 'dedupKey'>;

export interface AlertFilter {
  severity?: AlertSeverity;
  category?: string;
  status?: AlertStatus;
}

/** Alerts that occurred in a window, counted per severity, category and status. */
export interface AlertCountRow {
  severity: AlertSeverity;
  category: string;
  status: AlertStatus;
  alerts: number;
  occurrences: number;
}

/** Raises of one dedup key take turns on this advisory lock space (any constant; the second key is the key's hash). */
const DEDUP_LOCK_SPACE = 0x414c_5254; // "ALRT"
/** Alerts escalated per check; more wait for the next one, seconds later. */
const ESCALATION_BATCH = 100;

/** The one owner of `alert_logs`; it writes an alert's deliveries in the same transaction as the alert. */
@Injectable()
export class AlertLogRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deliveries: AlertDeliveryRepository,
  ) {}

  /**
   * Records a raise, with its deliveries, in one transaction: a repeat of an unresolved alert
   * with the same `dedupKey` that last occurred within `windowMinutes` is counted on that alert
   * and sends nothing; anything else is a new alert, delivered to `targets`. Raises of one key
   * take turns (a transaction lock on the key), so concurrent repeats all count on one alert.
   * An acknowledged alert still groups its repeats: someone is on it already.
   */
  async raise(
    alert: NewAlertLog,
    { windowMinutes, event, targets }: { windowMinutes: number; event: AlertDeliveryEvent; targets: DeliveryTarget[] },
  ): Promise<{ id: string; grouped: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      if (alert.dedupKey !== null) {
        await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DEDUP_LOCK_SPACE, alert.dedupKey]);
        const grouped = await this.groupRepeat(manager, alert.dedupKey, alert, windowMinutes);
        if (grouped !== null) return { id: grouped, grouped: true };
      }
      const { identifiers } = await manager.getRepository(AlertLog).insert(alert);
      const id = identifiers[0].id as string;
      await this.deliveries.enqueue(manager, id, event, targets);
      return { id, grouped: false };
    });
  }

  findById(id: string): Promise<AlertLog | null> {
    return this.repository().findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<AlertLog[]> {
    return this.repository().findBy({ id: In(ids) });
  }

  /** Newest first (by when first raised), `take` of them after the alert `beforeId`. */
  newestFirst(filter: AlertFilter & { beforeId?: string; take: number }): Promise<AlertLog[]> {
    const builder = this.repository().createQueryBuilder('a').orderBy('a.created_at', 'DESC').addOrderBy('a.id', 'DESC').take(filter.take);
    if (filter.severity !== undefined) builder.andWhere('a.severity = :severity', { severity: filter.severity });
    if (filter.category !== undefined) builder.andWhere('a.category = :category', { category: filter.category });
    if (filter.status !== undefined) builder.andWhere('a.status = :status', { status: filter.status });
    if (filter.beforeId !== undefined) {
      // The cursor row's own timestamp, with PostgreSQL's microseconds: a JS Date would round
      // it to milliseconds and skip rows. An unknown cursor gives an empty page.
      builder.andWhere('(a.created_at, a.id) < (SELECT c.created_at, c.id FROM alert_logs c WHERE c.id = :beforeId)', {
        beforeId: filter.beforeId,
      });
    }
    return builder.getMany();
  }

  /** Acknowledges the alert if it is open, telling PagerDuty targets that got it; whether it was open. */
  async acknowledgeIfOpen(id: string, by: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const { affected } = await manager
        .getRepository(AlertLog)
        .update({ id, status: 'open' }, { status: 'acknowledged', acknowledgedAt: () => 'now()', acknowledgedBy: by });
      if (affected === 1) await this.deliveries.enqueueFollowUp(manager, id, 'acknowledge');
      return affected === 1;
    });
  }

  /** Resolves the alert if it is not resolved yet, telling the targets that got it; whether it was not. */
  async resolveIfUnresolved(id: string, by: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const { affected } = await manager
        .getRepository(AlertLog)
        .update({ id, status: In(['open', 'acknowledged']) }, { status: 'resolved', resolvedAt: () => 'now()', resolvedBy: by });
      if (affected === 1) await this.deliveries.enqueueFollowUp(manager, id, 'resolve');
      return affected === 1;
    });
  }

  /** Resolves every unresolved alert with `dedupKey`, telling the targets that got them; their ids. */
  async resolveUnresolvedByDedupKey(dedupKey: string, by: string | null): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const [resolved] = await manager.query<[Array<{ id: string }>, number]>(
        `UPDATE alert_logs SET status = 'resolved', resolved_at = now(), resolved_by = $2, updated_at = now()
          WHERE dedup_key = $1 AND status IN ('open', 'acknowledged')
          RETURNING id`,
        [dedupKey, by],
      );
      for (const { id } of resolved) await this.deliveries.enqueueFollowUp(manager, id, 'resolve');
      return resolved.map((row) => row.id);
    });
  }

  /**
   * Marks critical alerts still open `minutes` after being raised as escalated, and sends them
   * to `targets`; their ids. `escalated_at IS NULL` is re-checked on the locked row, so of
   * several instances looking at once, exactly one escalates each alert.
   */
  async escalateDue(minutes: number, targets: DeliveryTarget[]): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const [escalated] = await manager.query<[Array<{ id: string }>, number]>(
        `UPDATE alert_logs SET escalated_at = now(), updated_at = now()
          WHERE id IN (SELECT id FROM alert_logs
                        WHERE severity = 'critical' AND status = 'open' AND escalated_at IS NULL
                          AND created_at <= now() - make_interval(secs => $1::double precision * 60)
                        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            AND escalated_at IS NULL
          RETURNING id`,
        [minutes, ESCALATION_BATCH],
      );
      for (const { id } of escalated) await this.deliveries.enqueue(manager, id, 'escalate', targets);
      return escalated.map((row) => row.id);
    });
  }

  /**
   * Alerts that occurred (were raised or repeated) in the last `hours`, by severity, category
   * and status, and the window's start by the database clock, the one alerts are stamped with.
   */
  async countSince(hours: number): Promise<{ since: Date; rows: AlertCountRow[] }> {
    const result = await this.dataSource.query<
      Array<{
        since: Date;
        severity: AlertSeverity | null;
        category: string | null;
        status: AlertStatus | null;
        alerts: number;
        occurrences: string;
      }>
    >(
      `WITH w AS (SELECT now() - make_interval(hours => $1) AS since)
       SELECT w.since, a.severity, a.category, a.status, count(a.id)::int AS alerts, coalesce(sum(a.occurrences), 0)::text AS occurrences
         FROM w LEFT JOIN alert_logs a ON a.last_occurred_at >= w.since
        GROUP BY w.since, a.severity, a.category, a.status`,
      [hours],
    );
    const rows = result.flatMap(({ severity, category, status, alerts, occurrences }) =>
      severity === null || category === null || status === null
        ? []
        : [{ severity, category, status, alerts, occurrences: Number(occurrences) }],
    );
    return { since: result[0].since, rows };
  }

  /** Counts a repeat on the newest unresolved alert with `dedupKey` that last occurred within the window; its id, or null. */
  private async groupRepeat(
    manager: EntityManager,
    dedupKey: string,
    repeat: Pick<AlertLog, 'message' | 'data'>,
    windowMinutes: number,
  ): Promise<string | null> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [grouped] = await manager.query<[Array<{ id: string }>, number]>(
      `UPDATE alert_logs SET occurrences = occurrences + 1, last_occurred_at = now(), message = $2, data = $3, updated_at = now()
        WHERE id = (SELECT id FROM alert_logs WHERE dedup_key = $1 AND status IN ('open', 'acknowledged')
                      AND last_occurred_at > now() - make_interval(secs => $4::double precision * 60)
                    ORDER BY last_occurred_at DESC LIMIT 1)
        RETURNING id`,
      [dedupKey, repeat.message, repeat.data, windowMinutes],
    );
    return grouped[0]?.id ?? null;
  }

  private repository() {
    return this.dataSource.getRepository(AlertLog);
  }
}
