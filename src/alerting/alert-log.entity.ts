import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';
import type { AlertSeverity, AlertStatus } from './alert.constants';

/** Where they were declared first; `alert.constants` is their home now. */
export type { AlertSeverity, AlertStatus } from './alert.constants';

/**
 * An alert, persisted before any delivery is tried: a short `title`, a `message` saying what
 * happened and what to do, and structured `data`. Repeats with the same `dedup_key` within
 * the grouping window bump `occurrences` on the unresolved row instead of adding rows.
 */
@Entity({ name: 'alert_logs' })
@Index('ix_alert_logs_severity', ['severity'])
@Index('ix_alert_logs_category', ['category'])
@Index('ix_alert_logs_dedup_key', ['dedupKey'])
@Index('ix_alert_logs_created_at_id', ['createdAt', 'id'])
@Index('ix_alert_logs_last_occurred_at', ['lastOccurredAt'])
@Index('ix_alert_logs_escalation_due', ['createdAt'], { where: `severity = 'critical' AND status = 'open' AND escalated_at IS NULL` })
@Check('ck_alert_logs_severity', `severity IN ('info', 'warning', 'error', 'critical')`)
@Check('ck_alert_logs_status', `status IN ('open', 'acknowledged', 'resolved')`)
export class AlertLog {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_alert_logs' })
  id!: string;

  @Column({ name: 'severity', type: 'varchar', length: 16 })
  severity!: AlertSeverity;

  @Column({ name: 'category', type: 'varchar', length: 64 })
  category!: string;

  @Column({ name: 'title', type: 'varchar', length: 256 })
  title!: string;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'data', type: 'jsonb', default: {} })
  data!: JsonObject;

  @Column({ name: 'dedup_key', type: 'varchar', length: 256, nullable: true })
  dedupKey!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'open' })
  status!: AlertStatus;

  @Column({ name: 'occurrences', type: 'integer', default: 1 })
  occurrences!: number;

  /** Unused since `alert_deliveries` (one row per channel target and event) became the record of delivery. */
  @Column({ name: 'delivery', type: 'jsonb', default: {} })
  delivery!: JsonObject;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'last_occurred_at', type: 'timestamptz', default: () => 'now()' })
  lastOccurredAt!: Date;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'varchar', length: 128, nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'resolved_by', type: 'varchar', length: 128, nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true })
  escalatedAt!: Date | null;
}
