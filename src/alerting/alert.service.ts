import { Injectable, Logger } from '@nestjs/common';

import type { JsonObject } from '../database/json-object.type';
import type { AlertSeverity } from './alert-log.entity';
import { AlertLogRepository } from './alert-log.repository';

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
 * happens to its delivery. Every alert is also logged at a level matching its severity; delivery
 * to e-mail and webhooks, when it comes, reads these rows.
 */
@Injectable()
export class AlertService {
  private readonly logger = new Logger('Alert');

  constructor(private readonly alertLogs: AlertLogRepository) {}

  async raise(alert: AlertInput): Promise<string> {
    const context = { severity: alert.severity, category: alert.category, dedupKey: alert.dedupKey, details: alert.details };
    if (alert.severity === 'critical') this.logger.error(context, alert.title);
    else if (alert.severity === 'warning') this.logger.warn(context, alert.title);
    else this.logger.log(context, alert.title);

    if (alert.dedupKey !== undefined) {
      const grouped = await this.alertLogs.groupRepeat(alert.dedupKey, alert.details ?? {}, GROUPING_WINDOW_MINUTES);
      if (grouped !== null) return grouped;
    }
    return this.alertLogs.insert({
      severity: alert.severity,
      category: alert.category,
      title: alert.title,
      details: alert.details ?? {},
      dedupKey: alert.dedupKey ?? null,
    });
  }
}
