import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/**
 * An alert, persisted before any delivery is tried. Repeats with the same `dedup_key`
 * within the grouping window bump `occurrences` on the open row instead of adding rows.
 */
@Entity({ name: 'alert_logs' })
@Index('ix_alert_logs_severity', ['severity'])
@Index('ix_alert_logs_category', ['category'])
@Index('ix_alert_logs_dedup_key', ['dedupKey'])
@Check('ck_alert_logs_severity', `severity IN ('critical', 'warning', 'info')`)
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

  @Column({ name: 'details', type: 'jsonb', default: {} })
  details!: JsonObject;

  @Column({ name: 'dedup_key', type: 'varchar', length: 256, nullable: true })
  dedupKey!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'open' })
  status!: AlertStatus;

  @Column({ name: 'occurrences', type: 'integer', default: 1 })
  occurrences!: number;

  /** Delivery status per channel, so undelivered alerts are retried after a restart. */
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
