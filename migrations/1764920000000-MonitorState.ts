import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the monitor shares between instances, so that whichever instance runs the next tick
 * carries on where the last one stopped, across restarts:
 * - `monitor_ticks`: one row per tick that ran, keyed by the tick number (the interval it
 *   belongs to), so a tick is claimed once however many instances try it;
 * - `monitor_state`: small JSON documents per key (the gas baseline, the conditions raised).
 */
export class MonitorState1764920000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "monitor_ticks" (
        "tick"        bigint        NOT NULL,
        "instance_id" varchar(128)  NOT NULL,
        "started_at"  timestamptz   NOT NULL DEFAULT now(),
        "duration_ms" integer,
        CONSTRAINT "pk_monitor_ticks" PRIMARY KEY ("tick")
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_monitor_ticks_started_at" ON "monitor_ticks" ("started_at")`);
    await queryRunner.query(`
      CREATE TABLE "monitor_state" (
        "key"        varchar(64)  NOT NULL,
        "value"      jsonb        NOT NULL,
        "updated_at" timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT "pk_monitor_state" PRIMARY KEY ("key")
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "monitor_state"`);
    await queryRunner.query(`DROP TABLE "monitor_ticks"`);
  }
}
