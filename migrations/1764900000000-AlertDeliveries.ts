import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The delivery outbox of alerts: one row per alert, event and channel target, inserted in the
 * same transaction as the alert (or its acknowledgement, resolution or escalation), so nothing
 * raised is ever lost between being recorded and being sent.
 * - `target` is a label (`email`, `slack#1`, `escalation:pagerduty#1`), never the URL: webhook
 *   URLs carry their receivers' keys. The worker resolves it against configuration when it sends.
 * - one row per (alert, event, target): enqueueing twice (two instances escalating, a repeated
 *   resolve) cannot send twice.
 * - `claimed_until`/`claim_token`: the lease of the instance sending it; a crashed instance's
 *   lease runs out and another takes the row over.
 * - `ix_alert_deliveries_due`: the claim query reads only pending rows, soonest first.
 * - `ix_alert_logs_escalation_due`: every instance looks for unacknowledged critical alerts
 *   every few seconds; the partial index keeps that to the few that qualify.
 */
export class AlertDeliveries1764900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "alert_deliveries" (
        "id"              uuid         NOT NULL DEFAULT gen_random_uuid(),
        "alert_id"        uuid         NOT NULL,
        "event"           varchar(16)  NOT NULL,
        "channel"         varchar(16)  NOT NULL,
        "target"          varchar(64)  NOT NULL,
        "status"          varchar(16)  NOT NULL DEFAULT 'pending',
        "attempts"        integer      NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz           DEFAULT now(),
        "last_error"      varchar(256),
        "claimed_until"   timestamptz,
        "claim_token"     uuid,
        "created_at"      timestamptz  NOT NULL DEFAULT now(),
        "updated_at"      timestamptz  NOT NULL DEFAULT now(),
        "delivered_at"    timestamptz,
        CONSTRAINT "pk_alert_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "fk_alert_deliveries_alert_id" FOREIGN KEY ("alert_id") REFERENCES "alert_logs" ("id") ON DELETE CASCADE,
        CONSTRAINT "ck_alert_deliveries_event" CHECK (event IN ('trigger', 'escalate', 'acknowledge', 'resolve', 'test')),
        CONSTRAINT "ck_alert_deliveries_channel" CHECK (channel IN ('email', 'slack', 'pagerduty', 'webhook')),
        CONSTRAINT "ck_alert_deliveries_status" CHECK (status IN ('pending', 'delivered', 'failed'))
      )
    `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_alert_deliveries_alert_id_event_target" ON "alert_deliveries" ("alert_id", "event", "target")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_alert_deliveries_due" ON "alert_deliveries" ("next_attempt_at") WHERE status = 'pending'`);
    await queryRunner.query(
      `CREATE INDEX "ix_alert_logs_escalation_due" ON "alert_logs" ("created_at")
        WHERE severity = 'critical' AND status = 'open' AND escalated_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_alert_logs_escalation_due"`);
    await queryRunner.query(`DROP TABLE "alert_deliveries"`);
  }
}
