import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Mint and burn requests, from acceptance to confirmation. */
export class CreateTransactions1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "transactions" (
        "id"                  uuid          NOT NULL DEFAULT gen_random_uuid(),
        "kind"                varchar(16)   NOT NULL,
        "status"              varchar(16)   NOT NULL,
        "user_id"             varchar(128)  NOT NULL,
        "address"             char(42)      NOT NULL,
        "amount"              numeric(78,0) NOT NULL,
        "reason"              varchar(256)  NOT NULL,
        "idempotency_key"     varchar(255)  NOT NULL,
        "request_hash"        char(64)      NOT NULL,
        "chain_id"            integer       NOT NULL,
        "sender"              char(42),
        "nonce"               bigint,
        "tx_hash"             char(66),
        "block_number"        bigint,
        "gas_used"            numeric(78,0),
        "effective_gas_price" numeric(78,0),
        "error_code"          varchar(64),
        "error_message"       text,
        "attempt_count"       integer       NOT NULL DEFAULT 0,
        "created_at"          timestamptz   NOT NULL DEFAULT now(),
        "updated_at"          timestamptz   NOT NULL DEFAULT now(),
        "submitted_at"        timestamptz,
        "confirmed_at"        timestamptz,
        CONSTRAINT "pk_transactions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_transactions_idempotency_key" UNIQUE ("idempotency_key"),
        CONSTRAINT "ck_transactions_kind" CHECK (kind IN ('mint', 'burn')),
        CONSTRAINT "ck_transactions_status" CHECK (status IN ('queued', 'signed', 'submitted', 'confirmed', 'failed')),
        CONSTRAINT "ck_transactions_amount_positive" CHECK (amount > 0)
      )
    `);
    // The sender claims by status in arrival order; listings are per user, newest first.
    await queryRunner.query(`CREATE INDEX "ix_transactions_status_created_at" ON "transactions" ("status", "created_at")`);
    await queryRunner.query(`CREATE INDEX "ix_transactions_user_id_created_at" ON "transactions" ("user_id", "created_at")`);
    // Not unique: a later batchMint lets several requests share one on-chain nonce.
    await queryRunner.query(`CREATE INDEX "ix_transactions_sender_nonce" ON "transactions" ("sender", "nonce")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "transactions"`);
  }
}
