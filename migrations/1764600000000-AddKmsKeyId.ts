import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `kms_key_id`: the KMS key that sealed a `kms` row. KMS refuses a Decrypt that names another
 * key than the one that encrypted the blob, so rows must name their own key to open after
 * KMS_KEY_ID changes (up to 2048 characters: the longest key id KMS accepts). Rows written
 * before stay null and open as before; `custody:reencrypt` fills them in.
 */
export class AddKmsKeyId1764600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "wallet_custody" ADD "kms_key_id" varchar(2048)`);
    await queryRunner.query(`
      ALTER TABLE "wallet_custody" ADD CONSTRAINT "ck_wallet_custody_kms_key_id"
        CHECK (kms_key_id IS NULL OR encryption_scheme = 'kms')
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Rows sealed under an earlier KMS_KEY_ID then open only if KMS_KEY_ID is set back to it;
    // run custody:reencrypt under the current key before reverting.
    await queryRunner.query(`ALTER TABLE "wallet_custody" DROP CONSTRAINT "ck_wallet_custody_kms_key_id"`);
    await queryRunner.query(`ALTER TABLE "wallet_custody" DROP COLUMN "kms_key_id"`);
  }
}
