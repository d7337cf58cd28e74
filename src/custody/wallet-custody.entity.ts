import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';

export type EncryptionScheme = 'fernet' | 'kms';
export type WalletStatus = 'active' | 'rotated' | 'revoked';

/**
 * A custodial wallet's encrypted key. Rotation keeps the old row (`rotated`) for audit and
 * adds a new one, so a `wallet_id` has many rows over time but at most one `active`.
 */
@Entity({ name: 'wallet_custody' })
@Index('ix_wallet_custody_wallet_id', ['walletId'])
@Index('ix_wallet_custody_wallet_address', ['walletAddress'])
@Index('ix_wallet_custody_status', ['status'])
@Index('ux_wallet_custody_active_wallet_id', ['walletId'], { unique: true, where: `status = 'active'` })
@Check('ck_wallet_custody_encryption_scheme', `encryption_scheme IN ('fernet', 'kms')`)
@Check('ck_wallet_custody_status', `status IN ('active', 'rotated', 'revoked')`)
@Check('ck_wallet_custody_kms_key_id', `kms_key_id IS NULL OR encryption_scheme = 'kms'`)
export class WalletCustody {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_wallet_custody' })
  id!: string;

  @Column({ name: 'wallet_id', type: 'varchar', length: 128 })
  walletId!: string;

  @Column({ name: 'wallet_address', type: 'char', length: 42 })
  walletAddress!: string;

  /** A Fernet token, or with KMS the key encrypted under the data key. Never plaintext. */
  @Column({ name: 'encrypted_private_key', type: 'text' })
  encryptedPrivateKey!: string;

  @Column({ name: 'encryption_scheme', type: 'varchar', length: 16 })
  encryptionScheme!: EncryptionScheme;

  /** Which encryption key (or KMS key generation) sealed this row, for re-encryption. */
  @Column({ name: 'key_version', type: 'integer' })
  keyVersion!: number;

  /** KMS envelope encryption: the data key, itself encrypted by KMS. */
  @Column({ name: 'encrypted_data_key', type: 'text', nullable: true })
  encryptedDataKey!: string | null;

  /**
   * KMS envelope encryption: the KMS key that encrypted the data key, as KMS named it (an ARN
   * on AWS). Decrypt names it, so the row opens after KMS_KEY_ID changes. Null for Fernet rows
   * and for KMS rows sealed before it was recorded.
   */
  @Column({ name: 'kms_key_id', type: 'varchar', length: 2048, nullable: true })
  kmsKeyId!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: WalletStatus;

  @Column({ name: 'metadata', type: 'jsonb', default: {} })
  metadata!: JsonObject;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** When the key last signed (set by `withSigner`, or imported from the Python backend). */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
