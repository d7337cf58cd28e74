import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';

export type AuditSeverity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * Append-only record of every custody and admin operation. Each row's `hash` covers its
 * content and `prev_hash`, so editing or deleting a past row breaks the chain visibly.
 */
@Entity({ name: 'wallet_audit_logs' })
@Index('ix_wallet_audit_logs_wallet_id', ['walletId'])
@Index('ix_wallet_audit_logs_severity', ['severity'])
@Check('ck_wallet_audit_logs_severity', `severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')`)
export class WalletAuditLog {
  /** int8 reaches JS as a string (pg's default); an id is never used in arithmetic. */
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint', primaryKeyConstraintName: 'pk_wallet_audit_logs' })
  id!: string;

  /** Null for calls refused before a wallet was identified (bad key, blocked IP). */
  @Column({ name: 'wallet_id', type: 'varchar', length: 128, nullable: true })
  walletId!: string | null;

  @Column({ name: 'action', type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'severity', type: 'varchar', length: 16 })
  severity!: AuditSeverity;

  @Column({ name: 'actor', type: 'varchar', length: 128, nullable: true })
  actor!: string | null;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ name: 'details', type: 'jsonb', default: {} })
  details!: JsonObject;

  /** Hash of the previous row; null only for the first row of the chain. */
  @Column({ name: 'prev_hash', type: 'char', length: 64, nullable: true })
  prevHash!: string | null;

  @Column({ name: 'hash', type: 'char', length: 64 })
  hash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
