import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * What one tick leaves for the next, whichever instance runs it: the gas baseline, the last
 * observations, and per check the conditions raised and not yet resolved.
 */
@Entity({ name: 'monitor_state' })
export class MonitorStateEntry {
  @PrimaryColumn({ name: 'key', type: 'varchar', length: 64, primaryKeyConstraintName: 'pk_monitor_state' })
  key!: string;

  @Column({ name: 'value', type: 'jsonb' })
  value!: object;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
