import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every signed version of a transaction (first send and fee-bumped replacements). */
export class CreateTransactionAttempts1764300001000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "transaction_attempts" (
        "id"                       uuid          NOT NULL DEFAULT gen_random_uuid(),
        "transaction_id"           uuid          NOT NULL,
        "nonce"                    bigint        NOT NULL,
        "tx_hash"                  char(66)      NOT NULL,
        "raw_tx"                   text          NOT NULL,
        "max_fee_per_gas"          numeric(78,0) NOT NULL,
        "max_priority_fee_per_gas" numeric(78,0) NOT NULL,
        "status"                   varchar(16)   NOT NULL,
        "created_at"               timestamptz   NOT NULL DEFAULT now(),
        "submitted_at"             timestamptz,
        CONSTRAINT "pk_transaction_attempts" PRIMARY KEY ("id"),
        CONSTRAINT "fk_transaction_attempts_transaction_id" FOREIGN KEY ("transaction_id")
          REFERENCES "transactions" ("id") ON DELETE CASCADE,
        CONSTRAINT "ck_transaction_attempts_status" CHECK (status IN ('signed', 'submitted', 'mined', 'replaced', 'dropped'))
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_transaction_attempts_transaction_id" ON "transaction_attempts" ("transaction_id")`);
    // Receipts are looked up by hash; one hash is one signed transaction.
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_transaction_attempts_tx_hash" ON "transaction_attempts" ("tx_hash")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "transaction_attempts"`);
  }
}
