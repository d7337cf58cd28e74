import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Custodial wallets and their encrypted keys. */
export class CreateWalletCustody1764300002000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "wallet_custody" (
        "id"                    uuid         NOT NULL DEFAULT gen_random_uuid(),
        "wallet_id"             varchar(128) NOT NULL,
        "wallet_address"        char(42)     NOT NULL,
        "encrypted_private_key" text         NOT NULL,
        "encryption_scheme"     varchar(16)  NOT NULL,
        "key_version"           integer      NOT NULL,
        "encrypted_data_key"    text,
        "status"                varchar(16)  NOT NULL,
        "metadata"              jsonb        NOT NULL DEFAULT '{}'::jsonb,
        "created_at"            timestamptz  NOT NULL DEFAULT now(),
        "updated_at"            timestamptz  NOT NULL DEFAULT now(),
        "rotated_at"            timestamptz,
        "revoked_at"            timestamptz,
        CONSTRAINT "pk_wallet_custody" PRIMARY KEY ("id"),
        CONSTRAINT "ck_wallet_custody_encryption_scheme" CHECK (encryption_scheme IN ('fernet', 'kms')),
        CONSTRAINT "ck_wallet_custody_status" CHECK (status IN ('active', 'rotated', 'revoked'))
      )
    `);
    await queryRunner.query(`CREATE INDEX "ix_wallet_custody_wallet_id" ON "wallet_custody" ("wallet_id")`);
    await queryRunner.query(`CREATE INDEX "ix_wallet_custody_wallet_address" ON "wallet_custody" ("wallet_address")`);
    await queryRunner.query(`CREATE INDEX "ix_wallet_custody_status" ON "wallet_custody" ("status")`);
    // Rotation keeps old rows; the database itself guarantees one active key per wallet.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_wallet_custody_active_wallet_id" ON "wallet_custody" ("wallet_id") WHERE status = 'active'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "wallet_custody"`);
  }
}
