import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Client tenancy and security events.
 * - `transactions.client_id`: the partner app (its `API_KEY` name) that created the request.
 *   Rows from before tenancy belong to `default`, the client of a bare key. Idempotency keys
 *   become unique per client, so two partners choosing the same key never collide or see
 *   each other's request.
 * - `security_events`: refused and over-limit calls, counted per kind, caller and minute
 *   instead of a row per call, and outside the custody audit chain and its lock.
 */
export class AddClientTenancy1764700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transactions" ADD "client_id" varchar(64) NOT NULL DEFAULT 'default'`);
    await queryRunner.query(`ALTER TABLE "transactions" ALTER COLUMN "client_id" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP CONSTRAINT "uq_transactions_idempotency_key"`);
    await queryRunner.query(
      `ALTER TABLE "transactions" ADD CONSTRAINT "uq_transactions_client_idempotency_key" UNIQUE ("client_id", "idempotency_key")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_transactions_client_id_created_at" ON "transactions" ("client_id", "created_at")`);
    await queryRunner.query(`
      CREATE TABLE "security_events" (
        "id" bigserial NOT NULL,
        "kind" varchar(64) NOT NULL,
        "actor" varchar(128) NOT NULL,
        "source_ip" varchar(64) NOT NULL,
        "path" varchar(256) NOT NULL,
        "window_start" timestamptz NOT NULL,
        "count" integer NOT NULL,
        "first_seen" timestamptz NOT NULL,
        "last_seen" timestamptz NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "pk_security_events" PRIMARY KEY ("id"),
        CONSTRAINT "uq_security_events_window" UNIQUE ("kind", "actor", "source_ip", "path", "window_start")
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_security_events_window_start" ON "security_events" ("window_start")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "security_events"`);
    await queryRunner.query(`DROP INDEX "ix_transactions_client_id_created_at"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP CONSTRAINT "uq_transactions_client_idempotency_key"`);
    // Keys unique per client may repeat across clients; the older rows keep theirs, later ones are suffixed.
    await queryRunner.query(`
      UPDATE "transactions" t SET idempotency_key = left(t.idempotency_key, 190) || ':' || t.client_id || ':' || t.id
        FROM (SELECT id, row_number() OVER (PARTITION BY idempotency_key ORDER BY created_at, id) AS n FROM "transactions") d
       WHERE d.id = t.id AND d.n > 1
    `);
    await queryRunner.query(`ALTER TABLE "transactions" ADD CONSTRAINT "uq_transactions_idempotency_key" UNIQUE ("idempotency_key")`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "client_id"`);
  }
}
