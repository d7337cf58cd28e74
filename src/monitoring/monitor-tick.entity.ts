import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { bigintTransformer } from '../database/bigint.transformer';

/**
 * A monitor tick that ran: the number of the interval it belongs to (epoch time divided by
 * MONITOR_INTERVAL_SECONDS), which instance ran it, when, and for how long (null while running
 * or if the instance died mid-tick). The primary key makes the claim of a tick unique.
 */
@Entity({ name: 'monitor_ticks' })
@Index('ix_monitor_ticks_started_at', ['startedAt'])
export class MonitorTick {
  @PrimaryColumn({ name: 'tick', type: 'bigint', primaryKeyConstraintName: 'pk_monitor_ticks', transformer: bigintTransformer })
  tick!: bigint;

  @Column({ name: 'instance_id', type: 'varchar', length: 128 })
  instanceId!: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;
}
