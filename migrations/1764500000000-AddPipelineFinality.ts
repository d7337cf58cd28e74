import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finality and leases for the send pipeline.
 * - `mined`: in a block, waiting for CONFIRMATIONS; `reorged`: its block left the chain, so
 *   it is in flight again with the same signed bytes. `block_hash` tells a reorg from a lag.
 * - `claim_token`/`claimed_until`: a sender's short lease on queued rows, so no database
 *   transaction stays open across the RPC calls between claiming and storing.
 * - `signed_at_block`: the head when an attempt was signed, where the search for the
 *   transaction that took its nonce starts.
 */
export class AddPipelineFinality1764500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transactions" DROP CONSTRAINT "ck_transactions_status"`);
    await queryRunner.query(`
      ALTER TABLE "transactions" ADD CONSTRAINT "ck_transactions_status"
        CHECK (status IN ('queued', 'signed', 'submitted', 'mined', 'reorged', 'confirmed', 'failed'))
    `);
    await queryRunner.query(`ALTER TABLE "transactions" ADD "block_hash" char(66)`);
    await queryRunner.query(`ALTER TABLE "transactions" ADD "confirmations" integer`);
    await queryRunner.query(`ALTER TABLE "transactions" ADD "reorg_count" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "transactions" ADD "claim_token" uuid`);
    await queryRunner.query(`ALTER TABLE "transactions" ADD "claimed_until" timestamptz`);
    await queryRunner.query(`ALTER TABLE "transaction_attempts" ADD "signed_at_block" bigint`);
    // Settled transactions are watched for reorgs by block height.
    await queryRunner.query(`CREATE INDEX "ix_transactions_block_number" ON "transactions" ("block_number")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_transactions_block_number"`);
    await queryRunner.query(`ALTER TABLE "transaction_attempts" DROP COLUMN "signed_at_block"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "claimed_until"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "claim_token"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "reorg_count"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "confirmations"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "block_hash"`);
    // Rows in the new states go back to the nearest old one before the old rule returns.
    await queryRunner.query(`UPDATE "transactions" SET status = 'submitted' WHERE status IN ('mined', 'reorged')`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP CONSTRAINT "ck_transactions_status"`);
    await queryRunner.query(`
      ALTER TABLE "transactions" ADD CONSTRAINT "ck_transactions_status"
        CHECK (status IN ('queued', 'signed', 'submitted', 'confirmed', 'failed'))
    `);
  }
}
