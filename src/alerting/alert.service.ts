import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';
import type { AlertSeverity } from './alert-log.entity';

export interface AlertInput {
  severity: AlertSeverity;
  category: string;
  title: string;
  details?: JsonObject;
  /** Alerts with the same key within the grouping window count as one, with occurrences. */
  dedupKey?: string;
}

/** Repeats of an open alert within this window are grouped on its row, not added. */
const GROUPING_WINDOW_MINUTES = 15;

/**
 * Raises alerts: the row in `alert_logs` is written first, so an alert survives whatever
 * happens to its delivery. Delivery to e-mail and webhooks reads these rows (alerting issue);
 * until then every alert is also logged at a level matching its severity.
 */
@Injectable()
export class AlertService {
  private readonly logger = new Logger('Alert');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async raise(alert: AlertInput): Promise<string> {
    const context = { severity: alert.severity, category: alert.category, dedupKey: alert.dedupKey, details: alert.details };
    if (alert.severity === 'critical') this.logger.error(context, alert.title);
    else if (alert.severity === 'warning') this.logger.warn(context, alert.title);
    else this.logger.log(context, alert.title);

    if (alert.dedupKey !== undefined) {
      // TypeORM answers an UPDATE with [rows, affected count].
      const [grouped] = (await this.dataSource.query(
        `UPDATE alert_logs SET occurrences = occurrences + 1, last_occurred_at = now(), details = $2, updated_at = now()
          WHERE id = (SELECT id FROM alert_logs WHERE dedup_key = $1 AND status = 'open'
                        AND last_occurred_at > now() - make_interval(mins => $3)
                      ORDER BY last_occurred_at DESC LIMIT 1)
          RETURNING id`,
        [alert.dedupKey, alert.details ?? {}, GROUPING_WINDOW_MINUTES],
      )) as [Array<{ id: string }>, number];
      if (grouped.length > 0) return grouped[0].id;
    }
    const inserted: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO alert_logs (severity, category, title, details, dedup_key) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [alert.severity, alert.category, alert.title, alert.details ?? {}, alert.dedupKey ?? null],
    );
    return inserted[0].id;
  }
}
