import { type DataSource, QueryFailedError } from 'typeorm';

import { QueuedInsertBatcher } from '../../src/transactions/queued-insert.batcher';
import type { NewTransaction } from '../../src/transactions/transaction.repository';
import { TransactionBatchStore } from '../../src/transactions/transaction-batch.store';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { newMintRequest, pipelineDataSource } from '../support/factories';

const STATEMENT_TIMEOUT_MS = 300;

/**
 * Single mint requests are stored by one statement per event-loop turn (and client) instead of
 * one each; each request must still get exactly its own outcome: its row, or "key taken".
 */
describe('QueuedInsertBatcher', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: TransactionBatchStore;
  let batcher: QueuedInsertBatcher;
  let statements: jest.SpyInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await pipelineDataSource(database.url, 4, STATEMENT_TIMEOUT_MS);
  });

  beforeEach(() => {
    store = new TransactionBatchStore(dataSource);
    statements = jest.spyOn(store, 'insertQueued');
    batcher = new QueuedInsertBatcher(store);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const storedKeys = async (prefix: string): Promise<string[]> =>
    (
      await dataSource.query<Array<{ idempotency_key: string }>>(
        `SELECT idempotency_key FROM transactions WHERE idempotency_key LIKE $1 ORDER BY idempotency_key`,
        [`${prefix}%`],
      )
    ).map((row) => row.idempotency_key);

  it('stores the requests of one turn with one statement, each answered with its own row', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `turn-${String(i).padStart(2, '0')}`);
    const rows = await Promise.all(keys.map((key) => batcher.insert(newMintRequest(key))));

    expect(statements).toHaveBeenCalledTimes(1);
    expect(rows.map((row) => row?.idempotencyKey)).toEqual(keys);
    expect(new Set(rows.map((row) => row?.id)).size).toBe(50);
    expect(rows.every((row) => row?.status === 'queued' && row.amount === 10n ** 18n)).toBe(true);
    expect(await storedKeys('turn-')).toEqual(keys);
  });

  it('answers a key the client already used with no row, and stores the rest of the turn', async () => {
    await batcher.insert(newMintRequest('used-1'));
    statements.mockClear();

    const [again, fresh] = await Promise.all([batcher.insert(newMintRequest('used-1')), batcher.insert(newMintRequest('used-2'))]);

    expect(statements).toHaveBeenCalledTimes(1);
    expect(again).toBeUndefined();
    expect(fresh?.idempotencyKey).toBe('used-2');
    expect(await storedKeys('used-')).toEqual(['used-1', 'used-2']);
  });

  it('stores a key given twice in one turn once: the second request finds it taken', async () => {
    const outcomes = await Promise.all([batcher.insert(newMintRequest('twice')), batcher.insert(newMintRequest('twice'))]);

    // The second waits for the next turn's statement, as a retry would.
    expect(statements).toHaveBeenCalledTimes(2);
    expect(outcomes[0]?.idempotencyKey).toBe('twice');
    expect(outcomes[1]).toBeUndefined();
    expect(await storedKeys('twice')).toEqual(['twice']);
  });

  it('gives every client its own statement and its own key space', async () => {
    const [first, second] = await Promise.all([
      batcher.insert(newMintRequest('shared-key', { clientId: 'client-a' })),
      batcher.insert(newMintRequest('shared-key', { clientId: 'client-b' })),
    ]);

    expect(statements).toHaveBeenCalledTimes(2);
    expect([first?.clientId, second?.clientId]).toEqual(['client-a', 'client-b']);
    expect(first?.id).not.toBe(second?.id);
  });

  it('fails only the request whose row PostgreSQL refuses; the others of its turn are stored', async () => {
    const outcomes = await Promise.allSettled([
      batcher.insert(newMintRequest('content-1')),
      // integer out of range (SQLSTATE 22003): the whole statement is refused, and nothing written.
      batcher.insert(newMintRequest('content-2', { chainId: 2 ** 31 })),
      batcher.insert(newMintRequest('content-3')),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(QueryFailedError);
    expect(await storedKeys('content-')).toEqual(['content-1', 'content-3']);
    // The shared statement, then each row alone.
    expect(statements).toHaveBeenCalledTimes(4);
  });

  it('fails every request of a statement that failed for no row of its own, and retries none', async () => {
    // Another session holds the table: the insert waits until the statement timeout cancels it
    // (SQLSTATE 57014), which says nothing about any one row.
    const outcomes = await withClient(database.url, async (locker) => {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE transactions IN EXCLUSIVE MODE');
      try {
        return await Promise.allSettled([batcher.insert(newMintRequest('timeout-1')), batcher.insert(newMintRequest('timeout-2'))]);
      } finally {
        await locker.query('ROLLBACK');
      }
    });

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(((outcomes[0] as PromiseRejectedResult).reason as QueryFailedError).driverError).toMatchObject({ code: '57014' });
    expect(statements).toHaveBeenCalledTimes(1);
    expect(await storedKeys('timeout-')).toEqual([]);
  });

  it('splits a turn of more than 1,000 requests into statements of at most 1,000 rows', async () => {
    const keys = Array.from({ length: 1_001 }, (_, i) => `large-${String(i).padStart(4, '0')}`);
    const rows = await Promise.all(keys.map((key) => batcher.insert(newMintRequest(key))));

    expect(statements.mock.calls.map(([, batch]) => (batch as NewTransaction[]).length)).toEqual([1_000, 1]);
    expect(rows.every((row, i) => row?.idempotencyKey === keys[i])).toBe(true);
    expect(await storedKeys('large-')).toHaveLength(1_001);
  });
});
