import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests sent together in one batchMint share one on-chain transaction. `batch_id` names
 * the request whose attempts carry that transaction (a lone request is its own batch), and
 * each attempt records why it was sent: the first send, a fee-bumped replacement, or a
 * no-op that cancels the nonce.
 */
export class AddTransactionBatches1764400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transactions" ADD "batch_id" uuid`);
    await queryRunner.query(`CREATE INDEX "ix_transactions_batch_id" ON "transactions" ("batch_id")`);
    await queryRunner.query(`ALTER TABLE "transaction_attempts" ADD "purpose" varchar(16) NOT NULL DEFAULT 'send'`);
    await queryRunner.query(`
      ALTER TABLE "transaction_attempts" ADD CONSTRAINT "ck_transaction_attempts_purpose"
        CHECK (purpose IN ('send', 'replacement', 'cancel'))
    `);
    await queryRunner.query(`ALTER TABLE "transaction_attempts" ADD "gas_limit" numeric(78,0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transaction_attempts" DROP COLUMN "gas_limit"`);
    await queryRunner.query(`ALTER TABLE "transaction_attempts" DROP CONSTRAINT "ck_transaction_attempts_purpose"`);
    await queryRunner.query(`ALTER TABLE "transaction_attempts" DROP COLUMN "purpose"`);
    await queryRunner.query(`DROP INDEX "ix_transactions_batch_id"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "batch_id"`);
  }
}
