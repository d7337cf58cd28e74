import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alerts, persisted before delivery, with per-channel delivery status. */
export class CreateAlertLogs1764300004000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "alert_logs" (
        "id"               uuid         NOT NULL DEFAULT gen_random_uuid(),
        "severity"         varchar(16)  NOT NULL,
        "category"         varchar(64)  NOT NULL,
        "title"            varchar(256) NOT NULL,
        "details"          jsonb        NOT NULL DEFAULT '{}'::jsonb,
        "dedup_key"        varchar(256),
        "status"           varchar(16)  NOT NULL DEFAULT 'open',
        "occurrences"      integer      NOT NULL DEFAULT 1,
        "delivery"         jsonb        NOT NULL DEFAULT '{}'::jsonb,
        "created_at"       timestamptz  NOT NULL DEFAULT now(),
        "updated_at"       timestamptz  NOT NULL DEFAULT now(),
        "last_occurred_at" timestamptz  NOT NULL DEFAULT now(),
        "acknowledged_at"  timestamptz,
        "acknowledged_by"  varchar(128),
        "resolved_at"      timestamptz,
        "resolved_by"      varchar(128),
        "escalated_at"     timestamptz,
        CONSTRAINT "pk_alert_logs" PRIMARY KEY ("id"),
        CONSTRAINT "ck_alert_logs_severity" CHECK (severity IN ('critical', 'warning', 'info')),
        CONSTRAINT "ck_alert_logs_status" CHECK (status IN ('open', 'acknowledged', 'resolved'))
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_alert_logs_severity" ON "alert_logs" ("severity")`);
    await queryRunner.query(`CREATE INDEX "ix_alert_logs_category" ON "alert_logs" ("category")`);
    // Grouping looks up the open alert with the same key.
    await queryRunner.query(`CREATE INDEX "ix_alert_logs_dedup_key" ON "alert_logs" ("dedup_key")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "alert_logs"`);
  }
}
