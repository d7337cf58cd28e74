import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claiming takes the oldest queued requests, `ORDER BY created_at, id`. The status index gives
 * no order within one `created_at`, and a bulk request stores up to 1,000 rows with the same
 * one: with 100,000 queued, every claim read and sorted all of them (on disk, 240 ms idle).
 * A partial index in claim order makes a claim read only the rows it takes, and rows leave
 * it as they are signed. Fill factor 70: a claim or a confirmation count changes no indexed
 * column, and with room left on the row's page PostgreSQL updates it in place (HOT) instead
 * of adding an entry to each of the table's indexes (a claim of 2,000: 80 ms → 30 ms).
 */
export class PipelineIndexes1764940000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_transactions_queued_created_at_id" ON "transactions" ("created_at", "id") WHERE status = 'queued'`,
    );
    await queryRunner.query(`ALTER TABLE "transactions" SET (fillfactor = 70)`);
    // The pipeline's polls (room to send, nonces held, wallets in flight, blocks to watch) read
    // one row per on-chain transaction, the batch's lead; these index only leads, so they stay
    // as small as the number of sends, a hundredth of the requests when batches are full.
    await queryRunner.query(
      `CREATE INDEX "ix_transactions_live_batches" ON "transactions" ("sender", "nonce")
        WHERE id = batch_id AND status IN ('signed', 'submitted', 'mined', 'reorged')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_transactions_settled_batches" ON "transactions" ("block_number") WHERE id = batch_id AND block_hash IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_transactions_settled_batches"`);
    await queryRunner.query(`DROP INDEX "ix_transactions_live_batches"`);
    await queryRunner.query(`ALTER TABLE "transactions" RESET (fillfactor)`);
    await queryRunner.query(`DROP INDEX "ix_transactions_queued_created_at_id"`);
  }
}
