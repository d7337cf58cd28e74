import type { Hex } from 'viem';

import type { TransactionAttemptPurpose } from '../transaction-attempt.entity';
import type { Fees } from './fee.policy';
import type { QueuedRequest } from './send.plan';

/** A signed transaction about to be (or already) stored: the write-ahead record of a send. */
export interface SignedAttempt {
  batchId: string;
  nonce: bigint;
  hash: Hex;
  raw: Hex;
  fees: Fees;
  gasLimit: bigint;
  purpose: TransactionAttemptPurpose;
  /** The chain head when it was signed, if known. */
  signedAtBlock?: bigint | null;
}

export interface StoredAttempt extends SignedAttempt {
  id: string;
  status: 'signed' | 'submitted';
  createdAt: Date;
  submittedAt: Date | null;
}

/** A batch sent or about to be, not yet in a block as far as the service knows. */
export type InFlightStatus = 'signed' | 'submitted' | 'reorged';

export interface UnfinishedBatch {
  batchId: string;
  nonce: bigint;
  status: InFlightStatus;
  /** When the newest attempt was stored: how long this nonce has waited. */
  lastAttemptAt: Date;
}

/** A block holding some of our batches: watched until they are final, and for reorgs after. */
export interface WatchedBlock {
  number: bigint;
  hash: Hex;
  /** Whether any batch in it still waits for confirmations. */
  holdsMined: boolean;
}

export interface ReceiptFacts {
  hash: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

export interface Claim {
  token: string;
  requests: QueuedRequest[];
}

/** Another instance took over requests whose claim ran out: this store must not happen. */
export class ClaimLostError extends Error {
  constructor(readonly lost: number) {
    super(`${lost} claimed request(s) were taken over before their sends were stored`);
    this.name = 'ClaimLostError';
  }
}

/** A store that would commit too late into its nonces' lease: rolled back before COMMIT. */
export class NonceLeaseExpiredError extends Error {
  constructor() {
    super('nonce lease expired before the sends were stored');
    this.name = 'NonceLeaseExpiredError';
  }
}
