import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

import { bigintTransformer } from '../database/bigint.transformer';

export type TransactionKind = 'mint' | 'burn';
export type TransactionStatus = 'queued' | 'signed' | 'submitted' | 'mined' | 'reorged' | 'confirmed' | 'failed';

/** Every status, in the order a request moves through them. */
export const TRANSACTION_STATUSES: readonly TransactionStatus[] = [
  'queued',
  'signed',
  'submitted',
  'mined',
  'reorged',
  'confirmed',
  'failed',
];

/**
 * One accepted mint or burn request, from `queued` to `confirmed`/`failed`. Its id is the
 * public `txId`. The idempotency key is unique per client so a retried request finds this row instead
 * of minting twice; `request_hash` tells a genuine retry from a reused key with a new body.
 */
@Entity({ name: 'transactions' })
@Unique('uq_transactions_client_idempotency_key', ['clientId', 'idempotencyKey'])
@Index('ix_transactions_client_id_created_at', ['clientId', 'createdAt'])
@Index('ix_transactions_status_created_at', ['status', 'createdAt'])
@Index('ix_transactions_user_id_created_at', ['userId', 'createdAt'])
@Index('ix_transactions_batch_id', ['batchId'])
// Claim order; only queued rows (migration PipelineIndexes says why).
@Index('ix_transactions_queued_created_at_id', ['createdAt', 'id'], { where: `status = 'queued'` })
// Batch leads only, for the pipeline's polls (same migration); every read by wallet, nonce or
// block goes through them (migration LeanTransactionIndexes).
@Index('ix_transactions_live_batches', ['sender', 'nonce'], {
  where: `id = batch_id AND status IN ('signed', 'submitted', 'mined', 'reorged')`,
})
@Index('ix_transactions_settled_batches', ['blockNumber'], { where: `id = batch_id AND block_hash IS NOT NULL` })
@Check('ck_transactions_kind', `kind IN ('mint', 'burn')`)
@Check('ck_transactions_status', `status IN ('queued', 'signed', 'submitted', 'mined', 'reorged', 'confirmed', 'failed')`)
@Check('ck_transactions_amount_positive', `amount > 0`)
export class Transaction {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_transactions' })
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: TransactionKind;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: TransactionStatus;

  /** The partner app (its `API_KEY` name) that created the request, and alone may see it. */
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  /** Recipient of a mint, holder of a burn. */
  @Column({ name: 'address', type: 'char', length: 42 })
  address!: string;

  /** Wei (18 decimals): 78 digits hold any uint256. */
  @Column({ name: 'amount', type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  amount!: bigint;

  @Column({ name: 'reason', type: 'varchar', length: 256 })
  reason!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey!: string;

  /** sha256 (hex) of the canonical request body. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash!: string;

  @Column({ name: 'chain_id', type: 'integer' })
  chainId!: number;

  /** The request whose attempts carry the on-chain transaction this one is sent in. */
  @Column({ name: 'batch_id', type: 'uuid', nullable: true })
  batchId!: string | null;

  @Column({ name: 'sender', type: 'char', length: 42, nullable: true })
  sender!: string | null;

  @Column({ name: 'nonce', type: 'bigint', nullable: true, transformer: bigintTransformer })
  nonce!: bigint | null;

  @Column({ name: 'tx_hash', type: 'char', length: 66, nullable: true })
  txHash!: string | null;

  @Column({ name: 'block_number', type: 'bigint', nullable: true, transformer: bigintTransformer })
  blockNumber!: bigint | null;

  @Column({ name: 'block_hash', type: 'char', length: 66, nullable: true })
  blockHash!: string | null;

  /** Blocks on top of and including `block_number` when last checked; final at CONFIRMATIONS. */
  @Column({ name: 'confirmations', type: 'integer', nullable: true })
  confirmations!: number | null;

  /** Times its block left the chain; the request went back in flight each time. */
  @Column({ name: 'reorg_count', type: 'integer', default: 0 })
  reorgCount!: number;

  /** A sender's lease on a queued row while it estimates and signs outside any DB transaction. */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil!: Date | null;

  @Column({ name: 'gas_used', type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: bigintTransformer })
  gasUsed!: bigint | null;

  @Column({
    name: 'effective_gas_price',
    type: 'numeric',
    precision: 78,
    scale: 0,
    nullable: true,
    transformer: bigintTransformer,
  })
  effectiveGasPrice!: bigint | null;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'attempt_count', type: 'integer', default: 0 })
  attemptCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  /** Where its status changes are POSTed (see `src/callbacks/`), fixed at acceptance; null: nowhere. */
  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl!: string | null;
}
