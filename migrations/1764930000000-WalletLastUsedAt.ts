import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `last_used_at`: when the wallet's key last signed, as the Python backend records it, so an
 * operator can tell dormant wallets from live ones (and `custody:import` keeps the Python
 * backend's value). Null until the key first signs here or for rows imported without one.
 */
export class WalletLastUsedAt1764930000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "wallet_custody" ADD "last_used_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Only the record of last use is lost; no key or status depends on it.
    await queryRunner.query(`ALTER TABLE "wallet_custody" DROP COLUMN "last_used_at"`);
  }
}
