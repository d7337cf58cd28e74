import { FIND_BY_IDEMPOTENCY_KEYS } from '../../src/transactions/transaction-batch.store';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';

/**
 * The bulk route looks up 1,000 keys at once. Written as `idempotency_key = ANY(…)`, the
 * planner took the client's index and filtered every row of the client against the whole list
 * once the table had grown past its statistics: bench:intake's 1,000-item batches took 4 s
 * each. The lookup must go through the unique (client, key) index whatever the statistics say.
 */
describe('looking up a batch of idempotency keys', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(() => database.drop());

  const plan = (keys: string[]) =>
    withClient(database.url, async (client) => {
      const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${FIND_BY_IDEMPOTENCY_KEYS}`, [
        'default',
        keys,
      ]);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    });

  it('uses the unique (client, key) index, also on a table grown far past its last ANALYZE', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `new-key-${i}`);
    await withClient(database.url, async (client) => {
      // Statistics of an empty table, then 100,000 rows of one client that nothing analyzes.
      await client.query('ANALYZE transactions');
      await client.query(
        `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id)
         SELECT 'default', 'mint', 'queued', 'user', '0x1212121212121212121212121212121212121212', 1, 'stay reward', 'key-' || g,
                repeat('a', 64), 31337
           FROM generate_series(1, 100000) g`,
      );
    });

    const grown = await plan(keys);
    expect(grown).toContain('"Index Name":"uq_transactions_client_idempotency_key"');
    expect(grown).not.toContain('ix_transactions_client_id_created_at');

    await withClient(database.url, (client) => client.query('ANALYZE transactions'));
    expect(await plan(keys)).toContain('"Index Name":"uq_transactions_client_idempotency_key"');
  }, 60_000);
});
