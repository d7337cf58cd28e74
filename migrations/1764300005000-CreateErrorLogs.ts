import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Server errors, looked up by the `error_id` a client quotes. */
export class CreateErrorLogs1764300005000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "error_logs" (
        "id"          bigserial     NOT NULL,
        "error_id"    uuid          NOT NULL,
        "error_type"  varchar(64)   NOT NULL,
        "message"     text          NOT NULL,
        "stack"       text,
        "status_code" integer       NOT NULL,
        "method"      varchar(8),
        "path"        varchar(2048),
        "request_id"  varchar(128),
        "user_id"     varchar(128),
        "details"     jsonb         NOT NULL DEFAULT '{}'::jsonb,
        "created_at"  timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT "pk_error_logs" PRIMARY KEY ("id"),
        CONSTRAINT "uq_error_logs_error_id" UNIQUE ("error_id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_error_logs_error_type" ON "error_logs" ("error_type")`);
    await queryRunner.query(`CREATE INDEX "ix_error_logs_user_id" ON "error_logs" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "error_logs"`);
  }
}
