import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import { bigintTransformer } from '../database/bigint.transformer';
import { Transaction } from './transaction.entity';

export type TransactionAttemptStatus = 'signed' | 'submitted' | 'mined' | 'replaced' | 'dropped';
/** `cancel`: a zero-value self-transfer at the same nonce, sent when the request cannot be. */
export type TransactionAttemptPurpose = 'send' | 'replacement' | 'cancel';

/**
 * One signed version of a transaction: the first broadcast, then each same-nonce
 * replacement with a bumped fee. The raw bytes are kept so that after a crash the exact
 * transaction already signed is re-broadcast, never a second one with a new nonce.
 */
@Entity({ name: 'transaction_attempts' })
@Index('ix_transaction_attempts_transaction_id', ['transactionId'])
@Index('ux_transaction_attempts_tx_hash', ['txHash'], { unique: true })
@Check('ck_transaction_attempts_status', `status IN ('signed', 'submitted', 'mined', 'replaced', 'dropped')`)
@Check('ck_transaction_attempts_purpose', `purpose IN ('send', 'replacement', 'cancel')`)
export class TransactionAttempt {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_transaction_attempts' })
  id!: string;

  @Column({ name: 'transaction_id', type: 'uuid' })
  transactionId!: string;

  @ManyToOne(() => Transaction, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'transaction_id', foreignKeyConstraintName: 'fk_transaction_attempts_transaction_id' })
  transaction?: Transaction;

  @Column({ name: 'nonce', type: 'bigint', transformer: bigintTransformer })
  nonce!: bigint;

  @Column({ name: 'tx_hash', type: 'char', length: 66 })
  txHash!: string;

  /** The signed transaction, 0x-prefixed hex. */
  @Column({ name: 'raw_tx', type: 'text' })
  rawTx!: string;

  @Column({ name: 'max_fee_per_gas', type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  maxFeePerGas!: bigint;

  @Column({ name: 'max_priority_fee_per_gas', type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  maxPriorityFeePerGas!: bigint;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: TransactionAttemptStatus;

  @Column({ name: 'purpose', type: 'varchar', length: 16, default: 'send' })
  purpose!: TransactionAttemptPurpose;

  @Column({ name: 'gas_limit', type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: bigintTransformer })
  gasLimit!: bigint | null;

  /** The chain head when it was signed: its nonce cannot have been taken before this block. */
  @Column({ name: 'signed_at_block', type: 'bigint', nullable: true, transformer: bigintTransformer })
  signedAtBlock!: bigint | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;
}
