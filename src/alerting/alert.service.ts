import { Injectable, Logger } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';
import type { JsonObject } from '../database/json-object.type';
import { ALERT_SEVERITIES, ALERT_STATUSES, AlertCategory, type AlertSeverity, type AlertStatus } from './alert.constants';
import type { AlertLog } from './alert-log.entity';
import { type AlertFilter, AlertLogRepository } from './alert-log.repository';
import { AlertAlreadyResolvedError, AlertNotFoundError } from './alerting.errors';
import { AlertingMetrics } from './alerting.metrics';
import type { AlertDelivery, AlertDeliveryEvent } from './delivery/alert-delivery.entity';
import { AlertDeliveryRepository } from './delivery/alert-delivery.repository';
import { AlertDeliverySignal } from './delivery/alert-delivery.signal';
import { type DeliveryTarget, everyTarget, routeTargets } from './delivery/alert-routing';

export interface AlertInput {
  severity: AlertSeverity;
  /** One of `AlertCategory`: receivers route and filter on it. */
  category: string;
  /** Short, for a subject line: what is wrong. */
  title: string;
  /** For the person receiving it: what happened, since when if known, and what to do. */
  message: string;
  /** Structured facts (ids, figures) for receivers and the admin API. */
  data?: JsonObject;
  /** Alerts with the same key within the grouping window count as one, with occurrences. */
  dedupKey?: string;
}

export interface AlertPage {
  items: AlertLog[];
  /** The last alert's id, to pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface AlertWithDeliveries {
  alert: AlertLog;
  deliveries: AlertDelivery[];
}

export interface AlertStats {
  hours: number;
  since: Date;
  /** Alerts (rows) that occurred in the window; `occurrences` counts their grouped repeats too. */
  total: number;
  occurrences: number;
  bySeverity: Record<AlertSeverity, number>;
  byCategory: Record<string, number>;
  byStatus: Record<AlertStatus, number>;
}

/** What `alert_logs.title` holds. */
const TITLE_MAX = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Raises alerts and answers operators about them. The row in `alert_logs` is written first,
 * with its deliveries (by the severity's route) in the same transaction, so an alert survives
 * whatever happens to its delivery; the delivery worker sends them. Every alert is also
 * logged at a level matching its severity.
 */
@Injectable()
export class AlertService {
  private readonly logger = new Logger('Alert');

  constructor(
    private readonly config: AppConfigService,
    private readonly alertLogs: AlertLogRepository,
    private readonly deliveries: AlertDeliveryRepository,
    private readonly signal: AlertDeliverySignal,
    private readonly metrics: AlertingMetrics,
  ) {}

  /** Records the alert and sends it by its severity's route; a repeat within the grouping window is only counted. Its id. */
  async raise(alert: AlertInput): Promise<string> {
    return this.record(alert, 'trigger', routeTargets(alert.severity, this.config.get('alerting')));
  }

  /** A `system_test` alert sent to every configured channel and escalation recipient, whatever the routes say. */
  async sendTest(by: string | null): Promise<AlertWithDeliveries> {
    const id = await this.record(
      {
        severity: 'info',
        category: AlertCategory.SYSTEM_TEST,
        title: 'Test alert from the HAVEN token backend',
        message:
          'Sent on request (POST /api/v1/admin/alerts/test) to check that every configured channel receives alerts. ' +
          'Nothing is wrong; resolve it once it has arrived everywhere.',
        data: { requested_by: by },
      },
      'test',
      everyTarget(this.config.get('alerting')),
    );
    return this.detail(id);
  }

  /** The alert and its deliveries: per channel target and event, with attempts and outcome. */
  async detail(alertId: string): Promise<AlertWithDeliveries> {
    const alert = await this.get(alertId);
    return { alert, deliveries: await this.deliveries.forAlert(alert.id) };
  }

  private async record(alert: AlertInput, event: AlertDeliveryEvent, targets: DeliveryTarget[]): Promise<string> {
    const title = alert.title.length > TITLE_MAX ? `${alert.title.slice(0, TITLE_MAX - 1)}…` : alert.title;
    const data = alert.data ?? {};
    const context = { severity: alert.severity, category: alert.category, dedupKey: alert.dedupKey, data, alertMessage: alert.message };
    if (alert.severity === 'critical' || alert.severity === 'error') this.logger.error(context, title);
    else if (alert.severity === 'warning') this.logger.warn(context, title);
    else this.logger.log(context, title);
    this.metrics.alertRaised(alert.severity, alert.category);

    const { id, grouped } = await this.alertLogs.raise(
      { severity: alert.severity, category: alert.category, title, message: alert.message, data, dedupKey: alert.dedupKey ?? null },
      { windowMinutes: this.config.get('alerting').groupingWindowMinutes, event, targets },
    );
    if (!grouped && targets.length > 0) this.signal.notify();
    return id;
  }

  /** Newest first (by when first raised). `cursor` is the `nextCursor` of the previous page. */
  async list(query: AlertFilter & { limit: number; cursor?: string }): Promise<AlertPage> {
    // One more than the page: whether it exists says if there is a next page.
    const rows = await this.alertLogs.newestFirst({
      severity: query.severity,
      category: query.category,
      status: query.status,
      beforeId: query.cursor,
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1].id : null };
  }

  /** Someone is on it: recorded once (a second acknowledgement changes nothing). A resolved alert is refused. */
  async acknowledge(alertId: string, by: string | null): Promise<AlertLog> {
    const acknowledged = UUID.test(alertId) && (await this.alertLogs.acknowledgeIfOpen(alertId, by));
    if (acknowledged) this.signal.notify();
    const alert = await this.get(alertId);
    if (!acknowledged && alert.status === 'resolved') throw new AlertAlreadyResolvedError(alert.id, alert.resolvedAt);
    return alert;
  }

  /** Over: recorded once (resolving a resolved alert changes nothing). Its repeats will raise a new alert. */
  async resolve(alertId: string, by: string | null): Promise<AlertLog> {
    if (UUID.test(alertId) && (await this.alertLogs.resolveIfUnresolved(alertId, by))) this.signal.notify();
    return this.get(alertId);
  }

  /**
   * A watched condition cleared (the monitor, the pipeline): resolves its unresolved alert,
   * recorded as resolved by `by` (e.g. `monitor`). The ids resolved; none if it was not raised.
   */
  async resolveCondition(dedupKey: string, by: string): Promise<string[]> {
    const resolved = await this.alertLogs.resolveUnresolvedByDedupKey(dedupKey, by);
    if (resolved.length > 0) {
      this.logger.log({ dedupKey, alertIds: resolved, by }, 'condition cleared; alert resolved');
      this.signal.notify();
    }
    return resolved;
  }

  async get(alertId: string): Promise<AlertLog> {
    if (!UUID.test(alertId)) throw new AlertNotFoundError(null);
    const alert = await this.alertLogs.findById(alertId);
    if (alert === null) throw new AlertNotFoundError(alertId);
    return alert;
  }

  /** Alerts that occurred (raised or repeated) in the last `hours`, by severity, category and status. */
  async stats(hours: number): Promise<AlertStats> {
    const { since, rows } = await this.alertLogs.countSince(hours);
    const bySeverity = Object.fromEntries(ALERT_SEVERITIES.map((severity) => [severity, 0])) as Record<AlertSeverity, number>;
    const byStatus = Object.fromEntries(ALERT_STATUSES.map((status) => [status, 0])) as Record<AlertStatus, number>;
    const byCategory = new Map<string, number>();
    let total = 0;
    let occurrences = 0;
    for (const row of rows) {
      bySeverity[row.severity] += row.alerts;
      byStatus[row.status] += row.alerts;
      byCategory.set(row.category, (byCategory.get(row.category) ?? 0) + row.alerts);
      total += row.alerts;
      occurrences += row.occurrences;
    }
    return { hours, since, total, occurrences, bySeverity, byCategory: Object.fromEntries(byCategory), byStatus };
  }
}
