import { createHash, randomUUID } from 'node:crypto';

import { CLAIM_LIMIT } from '../../src/transactions/pipeline/transaction-sender.service';
import {
  CLAIM_PLANNER_SETTINGS,
  CLAIM_QUEUED,
  HAS_WORK,
  HELD_NONCES,
  IN_FLIGHT_COUNT,
  LOCK_FOR_RETRY,
  MARK_REORGED,
  SENDERS_IN_FLIGHT,
  WATCHED_BLOCKS,
} from '../../src/transactions/transaction.repository';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';

const SENDER = '0x3434343434343434343434343434343434343434';
const md5Hex = (text: string) => createHash('md5').update(text).digest('hex');
/** PostgreSQL's `md5(text)::uuid`. */
const md5Uuid = (text: string) => md5Hex(text).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/**
 * The pipeline's queries run every step and every poll, on a table that holds every request
 * ever made. In bench:mint (100,000 mints in batches of 100) the claim read and sorted the
 * whole queue every step, and the polls read every request row in flight: together about as
 * much PostgreSQL time as the pipeline's writes. These pin plans that read only what they
 * return: a claim walks the queue in claim order; a poll reads one lead row per batch.
 */
describe('the pipeline’s queries, on 100,000 requests in batches of 100', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    await withClient(database.url, (client) =>
      // One statement, so all rows share one created_at, as a bulk request's do. Requests 1-50,000
      // are confirmed (100 per batch, 10 batches per block), 50,001-80,000 submitted, the rest queued.
      client.query(
        `INSERT INTO transactions (id, client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id,
                                   batch_id, sender, nonce, tx_hash, block_number, block_hash)
         SELECT md5('r' || g)::uuid, 'default', 'mint', s.status, 'user', '0x1212121212121212121212121212121212121212', 1, 'stay reward',
                'key-' || g, repeat('a', 64), 31337,
                CASE WHEN s.status <> 'queued' THEN md5('r' || (((g - 1) / 100) * 100 + 1))::uuid END,
                CASE WHEN s.status <> 'queued' THEN $1 END,
                CASE WHEN s.status <> 'queued' THEN (g - 1) / 100 END,
                CASE WHEN s.status <> 'queued' THEN '0x' || md5('h' || ((g - 1) / 100)) || md5('x' || ((g - 1) / 100)) END,
                CASE WHEN s.status = 'confirmed' THEN (g - 1) / 1000 END,
                CASE WHEN s.status = 'confirmed' THEN '0x' || md5('b' || ((g - 1) / 1000)) || md5('c' || ((g - 1) / 1000)) END
           FROM generate_series(1, 100000) g,
                LATERAL (SELECT CASE WHEN g <= 50000 THEN 'confirmed' WHEN g <= 80000 THEN 'submitted' ELSE 'queued' END AS status) s`,
        [SENDER],
      ),
    );
  }, 60_000);

  afterAll(() => database.drop());

  const plan = (sql: string, params: unknown[], settings?: string) =>
    withClient(database.url, async (client) => {
      await client.query('BEGIN');
      try {
        if (settings !== undefined) await client.query(settings);
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        return JSON.stringify(rows[0]['QUERY PLAN']);
      } finally {
        await client.query('ROLLBACK');
      }
    });

  const withStaleAndFreshStatistics = async (check: () => Promise<void>) => {
    await check();
    await withClient(database.url, (client) => client.query('ANALYZE transactions'));
    await check();
  };

  it('claims a full step by walking the queued index in claim order, finding the rows by primary key', () =>
    withStaleAndFreshStatistics(async () => {
      const claim = await plan(CLAIM_QUEUED, [randomUUID(), CLAIM_LIMIT, 30, []], CLAIM_PLANNER_SETTINGS);
      expect(claim).toContain('"Index Name":"ix_transactions_queued_created_at_id"');
      expect(claim).toContain('"Index Name":"pk_transactions"');
      expect(claim).not.toMatch(/"Node Type":"(Incremental )?Sort"/);
      expect(claim).not.toContain('"Node Type":"Seq Scan"');
    }));

  it('polls through the indexes of batch leads, never a scan of the table', () =>
    withStaleAndFreshStatistics(async () => {
      const polls = {
        sendersInFlight: await plan(SENDERS_IN_FLIGHT, []),
        inFlightCount: await plan(IN_FLIGHT_COUNT, [SENDER]),
        heldNonces: await plan(HELD_NONCES, [SENDER, '0']),
        watchedBlocks: await plan(WATCHED_BLOCKS, ['0', 15]),
        hasWork: await plan(HAS_WORK, ['0', 15]),
      };
      for (const [poll, text] of Object.entries(polls)) {
        expect({ poll, seqScan: text.includes('"Node Type":"Seq Scan"') }).toEqual({ poll, seqScan: false });
      }
      for (const poll of ['sendersInFlight', 'inFlightCount', 'heldNonces'] as const)
        expect(polls[poll]).toContain('"Index Name":"ix_transactions_live_batches"');
      expect(polls.watchedBlocks).toContain('"Index Name":"ix_transactions_settled_batches"');
    }));

  it('finds a block’s transactions through its batch leads, never a scan of the settled rows', () =>
    withStaleAndFreshStatistics(async () => {
      // Block 7 holds requests 7,001-8,000: batches led by requests 7,001, 7,101, ...
      const block = { number: '7', hash: '0x' + md5Hex('b7') + md5Hex('c7') };
      const reads = {
        markReorged: await plan(MARK_REORGED, [block.hash, block.number]),
        lockForRetry: await plan(LOCK_FOR_RETRY, [md5Uuid('r7050'), 10]),
      };
      for (const [read, text] of Object.entries(reads)) {
        expect({ read, seqScan: text.includes('"Node Type":"Seq Scan"') }).toEqual({ read, seqScan: false });
        expect({ read, leads: text.includes('"Index Name":"ix_transactions_settled_batches"') }).toEqual({ read, leads: true });
      }
      const reorged = await withClient(database.url, async (client) => {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query<{ batch_id: string }>(MARK_REORGED, [block.hash, block.number]);
          return { rows: rows.length, batches: new Set(rows.map((row) => row.batch_id)).size };
        } finally {
          await client.query('ROLLBACK');
        }
      });
      expect(reorged).toEqual({ rows: 1000, batches: 10 });
    }));

  // An update is HOT (no new index entry) when it changes no indexed column and the new row
  // version fits on its page; fillfactor 70 leaves room for nearly all of a full step's claim
  // (3,985 of 4,000 here). Updating an indexed column would make none of them HOT.
  it('leases a full step’s queued rows in place (HOT), adding no entry to any index', async () => {
    const counts = await withClient(database.url, async (client) => {
      const updates = async () => {
        await client.query('SELECT pg_stat_force_next_flush()');
        await client.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await client.query<{ updated: string; hot: string }>(
          `SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = 'transactions'`,
        );
        return { updated: Number(rows[0].updated), hot: Number(rows[0].hot) };
      };
      const before = await updates();
      await client.query('BEGIN');
      await client.query(CLAIM_PLANNER_SETTINGS);
      const { rowCount } = await client.query(CLAIM_QUEUED, [randomUUID(), CLAIM_LIMIT, 30, []]);
      await client.query('COMMIT');
      const after = await updates();
      return { claimed: rowCount, updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect({ claimed: counts.claimed, updated: counts.updated }).toEqual({ claimed: CLAIM_LIMIT, updated: CLAIM_LIMIT });
    expect(counts.hot).toBeGreaterThanOrEqual(0.99 * CLAIM_LIMIT);
  });
});
