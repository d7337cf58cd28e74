import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Append-only, hash-chained audit trail of custody and admin operations. */
export class CreateWalletAuditLogs1764300003000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "wallet_audit_logs" (
        "id"         bigserial    NOT NULL,
        "wallet_id"  varchar(128),
        "action"     varchar(64)  NOT NULL,
        "severity"   varchar(16)  NOT NULL,
        "actor"      varchar(128),
        "source_ip"  varchar(64),
        "request_id" varchar(128),
        "details"    jsonb        NOT NULL DEFAULT '{}'::jsonb,
        "prev_hash"  char(64),
        "hash"       char(64)     NOT NULL,
        "created_at" timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT "pk_wallet_audit_logs" PRIMARY KEY ("id"),
        CONSTRAINT "ck_wallet_audit_logs_severity" CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL'))
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_wallet_audit_logs_wallet_id" ON "wallet_audit_logs" ("wallet_id")`);
    await queryRunner.query(`CREATE INDEX "ix_wallet_audit_logs_severity" ON "wallet_audit_logs" ("severity")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "wallet_audit_logs"`);
  }
}
