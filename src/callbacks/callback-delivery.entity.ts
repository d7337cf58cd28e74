import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';
import { Transaction } from '../transactions/transaction.entity';

export type CallbackDeliveryStatus = 'pending' | 'delivered' | 'failed';
export const CALLBACK_DELIVERY_STATUSES: readonly CallbackDeliveryStatus[] = ['pending', 'delivered', 'failed'];

/**
 * One status change of a transaction owed to its client's callback URL. Written by the
 * `trg_transactions_callback` trigger in the database transaction that changed the status
 * (never by the application), so the pipeline cannot change a status without it. The id
 * orders the events of one transaction; `payload` is the body, as the transaction stood then.
 */
@Entity({ name: 'callback_deliveries' })
@Index('ix_callback_deliveries_transaction_id_id', ['transactionId', 'id'])
@Index('ix_callback_deliveries_client_id_id', ['clientId', 'id'])
@Index('ix_callback_deliveries_next_attempt_at', ['nextAttemptAt'], { where: `status = 'pending'` })
@Check('ck_callback_deliveries_status', `status IN ('pending', 'delivered', 'failed')`)
export class CallbackDelivery {
  /** int8 reaches JS as a string; also the `X-Haven-Delivery` receivers deduplicate on. */
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint', primaryKeyConstraintName: 'pk_callback_deliveries' })
  id!: string;

  @Column({ name: 'transaction_id', type: 'uuid' })
  transactionId!: string;

  @ManyToOne(() => Transaction, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'transaction_id', foreignKeyConstraintName: 'fk_callback_deliveries_transaction_id' })
  transaction?: Transaction;

  /** Whose secret signs it. */
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  /** The transaction's callback URL; may carry the receiver's token, so it is never shown whole. */
  @Column({ name: 'callback_url', type: 'varchar', length: 2048 })
  callbackUrl!: string;

  @Column({ name: 'event_status', type: 'varchar', length: 16 })
  eventStatus!: string;

  @Column({ name: 'previous_status', type: 'varchar', length: 16 })
  previousStatus!: string;

  @Column({ name: 'payload', type: 'jsonb' })
  payload!: JsonObject;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'pending' })
  status!: CallbackDeliveryStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  /** What the last attempt came to (`HTTP 503`, `network error ECONNREFUSED`); never a URL or secret. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** A worker's claim while it POSTs, outside any database transaction; it runs out if the worker dies. */
  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken!: string | null;

  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
