import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { AlertChannel } from '../../config/env.schema';
import { AlertLog } from '../alert-log.entity';

/** What a delivery tells its receiver: `test` is sent like a trigger, whatever the routing. */
export const ALERT_DELIVERY_EVENTS = ['trigger', 'escalate', 'acknowledge', 'resolve', 'test'] as const;
export type AlertDeliveryEvent = (typeof ALERT_DELIVERY_EVENTS)[number];

export const ALERT_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

/**
 * One alert event for one channel target: the outbox row the delivery worker claims, sends
 * and records. `target` names a configured destination (`slack#1`), never its URL.
 */
@Entity({ name: 'alert_deliveries' })
@Index('ux_alert_deliveries_alert_id_event_target', ['alertId', 'event', 'target'], { unique: true })
@Index('ix_alert_deliveries_due', ['nextAttemptAt'], { where: `status = 'pending'` })
@Check('ck_alert_deliveries_event', `event IN ('trigger', 'escalate', 'acknowledge', 'resolve', 'test')`)
@Check('ck_alert_deliveries_channel', `channel IN ('email', 'slack', 'pagerduty', 'webhook')`)
@Check('ck_alert_deliveries_status', `status IN ('pending', 'delivered', 'failed')`)
export class AlertDelivery {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_alert_deliveries' })
  id!: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @ManyToOne(() => AlertLog, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'alert_id', foreignKeyConstraintName: 'fk_alert_deliveries_alert_id' })
  alert?: AlertLog;

  @Column({ name: 'event', type: 'varchar', length: 16 })
  event!: AlertDeliveryEvent;

  @Column({ name: 'channel', type: 'varchar', length: 16 })
  channel!: AlertChannel;

  @Column({ name: 'target', type: 'varchar', length: 64 })
  target!: string;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'pending' })
  status!: AlertDeliveryStatus;

  /** Attempts that reached (or tried to reach) the receiver; a breaker's refusal is not one. */
  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  /** When it may be tried next; null once delivered or failed. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true, default: () => 'now()' })
  nextAttemptAt!: Date | null;

  /** Why the last attempt did not deliver (`HTTP 503`, `SMTP 550`, `network error ECONNREFUSED`); never a URL. */
  @Column({ name: 'last_error', type: 'varchar', length: 256, nullable: true })
  lastError!: string | null;

  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil!: Date | null;

  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
