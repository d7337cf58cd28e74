import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';

/** A server error as stored for operators; `error_id` is the id the client was given. */
@Entity({ name: 'error_logs' })
@Unique('uq_error_logs_error_id', ['errorId'])
@Index('ix_error_logs_error_type', ['errorType'])
@Index('ix_error_logs_user_id', ['userId'])
export class ErrorLog {
  /** int8 reaches JS as a string (pg's default); an id is never used in arithmetic. */
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint', primaryKeyConstraintName: 'pk_error_logs' })
  id!: string;

  @Column({ name: 'error_id', type: 'uuid' })
  errorId!: string;

  /** The stable error code (`TRANSACTION_ERROR`, …). */
  @Column({ name: 'error_type', type: 'varchar', length: 64 })
  errorType!: string;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'stack', type: 'text', nullable: true })
  stack!: string | null;

  @Column({ name: 'status_code', type: 'integer' })
  statusCode!: number;

  @Column({ name: 'method', type: 'varchar', length: 8, nullable: true })
  method!: string | null;

  @Column({ name: 'path', type: 'varchar', length: 2048, nullable: true })
  path!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 128, nullable: true })
  userId!: string | null;

  @Column({ name: 'details', type: 'jsonb', default: {} })
  details!: JsonObject;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
