import { Client } from 'pg';
import { parseUnits } from 'viem';

import { newAddress } from '../support/chain';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { deliveryRows, insertQueuedMints } from './callback-rows';

const CALLBACK_URL = 'https://hooks.partner.example/haven?token=t0ken';

/** The trigger alone, on a migrated database: what a status change owes, whoever makes it. */
describe('the transactions trigger that records status callbacks', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(() => database?.drop());

  const sql = (text: string, values: unknown[] = []) => withClient(database.url, (client) => client.query(text, values));
  const insert = (count: number, callbackUrl: string | null = CALLBACK_URL) =>
    insertQueuedMints(
      database.url,
      Array.from({ length: count }, () => ({ address: newAddress(), amount: parseUnits('12.5', 18), callbackUrl })),
      31337,
    );
  const moveTo = (ids: string[], status: string, extra = '') =>
    sql(`UPDATE transactions SET status = $2${extra} WHERE id = ANY($1::uuid[])`, [ids, status]);

  it('records each change a client sees, in order, with the transaction as it stood; signed counts as queued', async () => {
    const [id] = await insert(1);
    await moveTo([id], 'signed');
    await moveTo([id], 'submitted', `, tx_hash = '0x${'ab'.repeat(32)}'`);
    await moveTo([id], 'mined', `, block_number = 7, confirmations = 1`);
    await moveTo([id], 'confirmed', `, confirmations = 2`);
    await moveTo([id], 'reorged', `, reorg_count = 1, block_number = NULL, confirmations = NULL`);
    await moveTo([id], 'confirmed', `, block_number = 9, confirmations = 1`);

    const rows = await deliveryRows(database.url, [id]);
    expect(rows.map((row) => [row.previous_status, row.event_status, row.status])).toEqual([
      ['queued', 'submitted', 'pending'],
      ['submitted', 'mined', 'pending'],
      ['mined', 'confirmed', 'pending'],
      ['confirmed', 'reorged', 'pending'],
      ['reorged', 'confirmed', 'pending'],
    ]);
    expect(rows[2].payload).toEqual({
      event: 'transaction.confirmed',
      txId: id,
      kind: 'mint',
      status: 'confirmed',
      previousStatus: 'mined',
      userId: 'user-1',
      address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      amount: '12.5',
      amountWei: '12500000000000000000',
      chainId: 31337,
      txHash: `0x${'ab'.repeat(32)}`,
      blockNumber: '7',
      confirmations: 2,
      reorgCount: 0,
      error: null,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(rows[3].payload).toMatchObject({ event: 'transaction.reorged', reorgCount: 1, blockNumber: null });
    expect(rows.every((row) => row.callback_url === CALLBACK_URL && row.client_id === 'default')).toBe(true);
  });

  it('records a failure with its error, a requeue back to queued, and nothing for a requeue from signed', async () => {
    const [reverted, requeued] = await insert(2);
    await moveTo([reverted, requeued], 'signed');
    await moveTo([requeued], 'queued');
    await moveTo([reverted], 'failed', `, error_code = 'TRANSACTION_REVERTED', error_message = 'execution reverted: paused'`);
    await moveTo([reverted], 'queued', `, error_code = NULL, error_message = NULL`);

    expect((await deliveryRows(database.url, [requeued])).length).toBe(0);
    const rows = await deliveryRows(database.url, [reverted]);
    expect(rows.map((row) => [row.previous_status, row.event_status])).toEqual([
      ['queued', 'failed'],
      ['failed', 'queued'],
    ]);
    expect(rows[0].payload).toMatchObject({ error: { code: 'TRANSACTION_REVERTED', message: 'execution reverted: paused' } });
    expect(rows[1].payload).toMatchObject({ error: null });
  });

  it('gives each row of a batch its own event, and wakes listeners once per commit', async () => {
    const ids = await insert(5);
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    try {
      const notifications: string[] = [];
      listener.on('notification', (message) => notifications.push(message.channel));
      await listener.query('LISTEN callback_deliveries');
      await moveTo(ids, 'submitted');
      // A round trip on the listening connection delivers what was notified before it.
      await listener.query('SELECT 1');
      expect(notifications).toEqual(['callback_deliveries']);
    } finally {
      await listener.end();
    }
    const rows = await deliveryRows(database.url, ids);
    expect(rows.map((row) => row.transaction_id).sort()).toEqual([...ids].sort());
    expect(new Set(rows.map((row) => row.event_status))).toEqual(new Set(['submitted']));
  });

  it('records nothing for a request without a callback URL, nor for a change that is not of status', async () => {
    const [silent] = await insert(1, null);
    const [watched] = await insert(1);
    await moveTo([silent], 'submitted');
    await moveTo([silent], 'failed');
    await moveTo([watched], 'submitted');
    await sql(`UPDATE transactions SET confirmations = 3, updated_at = now() WHERE id = $1`, [watched]);
    await moveTo([watched], 'submitted');

    expect(await deliveryRows(database.url, [silent])).toEqual([]);
    expect((await deliveryRows(database.url, [watched])).map((row) => row.event_status)).toEqual(['submitted']);
  });
});
