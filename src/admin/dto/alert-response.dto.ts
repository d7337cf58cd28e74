import { ApiProperty } from '@nestjs/swagger';

import { ALERT_SEVERITIES, ALERT_STATUSES, type AlertSeverity, type AlertStatus } from '../../alerting/alert.constants';
import type { AlertStats } from '../../alerting/alert.service';
import type { AlertLog } from '../../alerting/alert-log.entity';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** An alert as operators see it; the names the Python backend's alerts used. */
export class AlertDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: AlertSeverity;
  @ApiProperty({ example: 'transaction_pending' }) category!: string;
  @ApiProperty({ example: "Circuit breaker 'blockchain' opened after 5 failures" }) title!: string;
  @ApiProperty({ description: 'What happened and what to do' }) message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Structured facts: ids, figures' }) data!: unknown;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: AlertStatus;
  @ApiProperty({
    description: 'Times it was raised: repeats within the grouping window (ALERT_GROUPING_WINDOW_MINUTES) are counted on one alert',
  })
  occurrences!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Repeats with the same key are grouped' }) dedup_key!: string | null;
  @ApiProperty({ format: 'date-time', description: 'First raised' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: 'Last raised' }) last_occurred_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acknowledged_at!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'admin-key:1a2b3c4d',
    description: 'The admin key (fingerprint) that acknowledged it',
  })
  acknowledged_by!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) resolved_at!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'admin-key:1a2b3c4d' }) resolved_by!: string | null;

  static from(alert: AlertLog): AlertDto {
    return {
      id: alert.id,
      severity: alert.severity,
      category: alert.category,
      title: alert.title,
      message: alert.message,
      data: alert.data,
      status: alert.status,
      occurrences: alert.occurrences,
      dedup_key: alert.dedupKey,
      created_at: alert.createdAt.toISOString(),
      last_occurred_at: alert.lastOccurredAt.toISOString(),
      acknowledged_at: iso(alert.acknowledgedAt),
      acknowledged_by: alert.acknowledgedBy,
      resolved_at: iso(alert.resolvedAt),
      resolved_by: alert.resolvedBy,
    };
  }
}

export class AlertPageDto {
  @ApiProperty({ type: [AlertDto] }) items!: AlertDto[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
}

class AlertSeverityCountsDto implements Record<AlertSeverity, number> {
  @ApiProperty() info!: number;
  @ApiProperty() warning!: number;
  @ApiProperty() error!: number;
  @ApiProperty() critical!: number;
}

class AlertStatusCountsDto implements Record<AlertStatus, number> {
  @ApiProperty() open!: number;
  @ApiProperty() acknowledged!: number;
  @ApiProperty() resolved!: number;
}

/** Alerts that occurred (were raised or repeated) in the window, counted three ways. */
export class AlertStatsDto {
  @ApiProperty({ example: 24 }) hours!: number;
  @ApiProperty({ format: 'date-time', description: 'Start of the window' }) since!: string;
  @ApiProperty({ description: 'Alerts that occurred in the window' }) total!: number;
  @ApiProperty({ description: 'Their occurrences, grouped repeats included' }) occurrences!: number;
  @ApiProperty({ type: AlertSeverityCountsDto, description: 'Every severity, zero included' }) by_severity!: AlertSeverityCountsDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Categories that occurred',
    example: { transaction_pending: 2 },
  })
  by_category!: Record<string, number>;
  @ApiProperty({ type: AlertStatusCountsDto, description: 'Every status, zero included' }) by_status!: AlertStatusCountsDto;

  static from(stats: AlertStats): AlertStatsDto {
    return {
      hours: stats.hours,
      since: stats.since.toISOString(),
      total: stats.total,
      occurrences: stats.occurrences,
      by_severity: stats.bySeverity,
      by_category: stats.byCategory,
      by_status: stats.byStatus,
    };
  }
}
