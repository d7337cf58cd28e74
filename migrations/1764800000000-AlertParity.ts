import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts as the Python backend had them, for receivers and people who know those:
 * - a fourth severity, `error`, between `warning` and `critical`;
 * - `message` beside `title`: what happened and what to do. Rows from before get their title;
 * - `details` renamed `data`, the name the webhook body and the admin API use;
 * - indexes for the admin list (newest first, keyset on `created_at, id`) and for statistics
 *   over the last hours (`last_occurred_at`).
 * Down: `error` alerts become `critical` (the three-severity check has no `error`, and an
 * error must not read as less urgent than it was); messages are dropped.
 */
export class AlertParity1764800000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alert_logs" DROP CONSTRAINT "ck_alert_logs_severity"`);
    await queryRunner.query(
      `ALTER TABLE "alert_logs" ADD CONSTRAINT "ck_alert_logs_severity" CHECK (severity IN ('info', 'warning', 'error', 'critical'))`,
    );
    await queryRunner.query(`ALTER TABLE "alert_logs" RENAME COLUMN "details" TO "data"`);
    await queryRunner.query(`ALTER TABLE "alert_logs" ADD "message" text`);
    await queryRunner.query(`UPDATE "alert_logs" SET "message" = "title"`);
    await queryRunner.query(`ALTER TABLE "alert_logs" ALTER COLUMN "message" SET NOT NULL`);
    await queryRunner.query(`CREATE INDEX "ix_alert_logs_created_at_id" ON "alert_logs" ("created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_alert_logs_last_occurred_at" ON "alert_logs" ("last_occurred_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_alert_logs_last_occurred_at"`);
    await queryRunner.query(`DROP INDEX "ix_alert_logs_created_at_id"`);
    await queryRunner.query(`ALTER TABLE "alert_logs" DROP COLUMN "message"`);
    await queryRunner.query(`ALTER TABLE "alert_logs" RENAME COLUMN "data" TO "details"`);
    await queryRunner.query(`ALTER TABLE "alert_logs" DROP CONSTRAINT "ck_alert_logs_severity"`);
    await queryRunner.query(`UPDATE "alert_logs" SET "severity" = 'critical' WHERE "severity" = 'error'`);
    await queryRunner.query(
      `ALTER TABLE "alert_logs" ADD CONSTRAINT "ck_alert_logs_severity" CHECK (severity IN ('critical', 'warning', 'info'))`,
    );
  }
}
