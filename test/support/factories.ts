import { createHash, randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';
import type { Address } from 'viem';

import { dataSourceOptions } from '../../src/database/data-source.options';
import { Transaction } from '../../src/transactions/transaction.entity';
import type { NewTransaction } from '../../src/transactions/transaction.repository';
import { TransactionAttempt } from '../../src/transactions/transaction-attempt.entity';
import { TEST_CLIENT } from './config';
import { withClient } from './database';

/** A mint request as intake hands it to the store, under `idempotencyKey`. */
export const newMintRequest = (idempotencyKey: string, overrides: Partial<NewTransaction> = {}): NewTransaction => ({
  clientId: 'default',
  kind: 'mint',
  userId: 'user-1',
  address: '0x1212121212121212121212121212121212121212',
  amount: 10n ** 18n,
  reason: 'stay reward',
  idempotencyKey,
  requestHash: 'a'.repeat(64),
  chainId: 31337,
  ...overrides,
});

/** The service's own DataSource options on `url`, with the pipeline's two entities, initialised. */
export const pipelineDataSource = (url: string, poolSize: number, statementTimeoutMs: number): Promise<DataSource> =>
  new DataSource({
    ...dataSourceOptions(url, poolSize, { statementTimeoutMs, idleInTransactionTimeoutMs: 10_000 }),
    entities: [Transaction, TransactionAttempt],
  }).initialize();

export interface RequestRow {
  kind?: 'mint' | 'burn';
  address: Address;
  amount: bigint;
  reason?: string;
  userId?: string;
  clientId?: string;
  chainId: number;
}

/** Inserts an accepted request exactly as the API stores one: a `queued` transactions row. */
export async function insertQueuedRequest(databaseUrl: string, row: RequestRow): Promise<string> {
  return withClient(databaseUrl, async (client) => {
    const key = randomUUID();
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id)
       VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        row.clientId ?? TEST_CLIENT,
        row.kind ?? 'mint',
        row.userId ?? 'user-1',
        row.address,
        row.amount.toString(),
        row.reason ?? 'stay reward',
        key,
        createHash('sha256').update(key).digest('hex'),
        row.chainId,
      ],
    );
    return rows[0].id;
  });
}

export interface StoredRequest {
  id: string;
  status: string;
  tx_hash: string | null;
  nonce: string | null;
  batch_id: string | null;
  block_number: string | null;
  gas_used: string | null;
  error_code: string | null;
  error_message: string | null;
  attempt_count: number;
}

export async function requestRows(databaseUrl: string, ids: string[]): Promise<StoredRequest[]> {
  return withClient(
    databaseUrl,
    async (client) =>
      (await client.query<StoredRequest>(`SELECT * FROM transactions WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`, [ids])).rows,
  );
}

export async function attemptRows(
  databaseUrl: string,
  batchId: string,
): Promise<Array<{ tx_hash: string; status: string; purpose: string; max_fee_per_gas: string }>> {
  return withClient(
    databaseUrl,
    async (client) =>
      (await client.query(`SELECT * FROM transaction_attempts WHERE transaction_id = $1 ORDER BY created_at`, [batchId])).rows,
  );
}
