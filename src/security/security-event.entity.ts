import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';

export type SecurityEventKind = 'admin_refused' | 'mint_limit_exceeded' | 'redeem_address_refused' | 'https_required';

/**
 * Refused or over-limit calls, one row per kind, caller, path and minute with a count. A
 * flood adds at most a row per caller a minute, and never touches the custody audit chain.
 */
@Entity({ name: 'security_events' })
@Unique('uq_security_events_window', ['kind', 'actor', 'sourceIp', 'path', 'windowStart'])
@Index('ix_security_events_window_start', ['windowStart'])
export class SecurityEvent {
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint', primaryKeyConstraintName: 'pk_security_events' })
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 64 })
  kind!: SecurityEventKind;

  /** `admin-key:<fingerprint>`, `client:<name>`, or `anonymous`; never a key. */
  @Column({ name: 'actor', type: 'varchar', length: 128 })
  actor!: string;

  @Column({ name: 'source_ip', type: 'varchar', length: 64 })
  sourceIp!: string;

  @Column({ name: 'path', type: 'varchar', length: 256 })
  path!: string;

  /** The minute the counted calls fell in. */
  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ name: 'count', type: 'integer' })
  count!: number;

  @Column({ name: 'first_seen', type: 'timestamptz' })
  firstSeen!: Date;

  @Column({ name: 'last_seen', type: 'timestamptz' })
  lastSeen!: Date;

  /** What the last counted call was refused for (status, limit, amount); no secrets. */
  @Column({ name: 'details', type: 'jsonb', default: {} })
  details!: JsonObject;
}
