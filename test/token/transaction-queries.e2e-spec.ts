import { randomUUID } from 'node:crypto';

import type request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { newAddress, nextKey, tokenClient } from './token-client';

/** The reads of the client API: balances, one transaction, pages of them, and its documentation. */
describe('token API: balances and transactions', () => {
  let testApp: TestApp;
  let api: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    testApp = await startTestApp();
    api = await tokenClient(testApp);
  });

  afterAll(() => testApp.close());

  /** Follows nextCursor from the first page to the last, collecting txIds in order. */
  async function walk(query: Record<string, string | number>): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await api.get('/api/v1/transactions').query({ ...query, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { txId: string }) => item.txId));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    return seen;
  }

  it('reads a balance from the chain, checksummed, in tokens and wei', async () => {
    const holder = newAddress();
    await api.fund(holder, '2.25');
    const response = await api.get(`/api/v1/token/balance/${holder.toLowerCase()}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ address: holder, balance: '2.25', balanceWei: '2250000000000000000' });
  });

  it('answers 400 INVALID_ADDRESS for a balance of a malformed address', async () => {
    const response = await api.get('/api/v1/token/balance/0xnot-an-address');

    expect([response.status, response.body.error]).toEqual([400, 'INVALID_ADDRESS']);
  });

  it('reads a transaction by id and answers 404 for unknown or malformed ids', async () => {
    const created = await api.post('mint', api.mintBody());
    const found = await api.get(`/api/v1/transactions/${created.body.txId}`);
    const unknown = await api.get(`/api/v1/transactions/${randomUUID()}`);
    const malformed = await api.get('/api/v1/transactions/not-a-uuid');

    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ txId: created.body.txId, kind: 'mint', amount: '12.5', chainId: testApp.chain.chainId });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
    expect([malformed.status, malformed.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
  });

  it('lists a user’s transactions newest first, page by page, each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api.post('mint', api.mintBody({ userId: 'lister', amount: String(i + 1) }))).body.txId);

    expect(await walk({ userId: 'lister', limit: 3 })).toEqual([...ids].reverse());
    expect(await walk({ userId: 'lister', limit: 100 })).toEqual([...ids].reverse());
  });

  it('filters by status', async () => {
    // Settled rows written directly: the pipeline never moves a confirmed or failed request.
    const insert = (status: string) =>
      api.sql<{ id: string }>(
        `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id)
         VALUES ('default', 'mint', $1, 'status-lister', $2, 1, 'stay', $3, repeat('0', 64), $4) RETURNING id`,
        [status, newAddress(), nextKey(), testApp.chain.chainId],
      );
    const failed = [(await insert('failed'))[0].id, (await insert('failed'))[0].id, (await insert('failed'))[0].id];
    await insert('confirmed');

    expect(await walk({ userId: 'status-lister', status: 'failed', limit: 2 })).toEqual([...failed].reverse());
    expect(await walk({ userId: 'status-lister' })).toHaveLength(4);
  });

  it.each([
    ['an unknown status', { status: 'lost' }],
    ['a limit over 100', { limit: 101 }],
    ['a limit of 0', { limit: 0 }],
    ['a cursor this API never returned', { cursor: 'bm90LWEtY3Vyc29y' }],
    ['an unknown parameter', { sort: 'asc' }],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_name, query) => {
    const response = await api.get('/api/v1/transactions').query(query);

    expect([response.status, response.body.error]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('documents the client API: security, Idempotency-Key and error responses', async () => {
    const { body: doc } = await api.get('/docs/openapi.json');
    const mint = doc.paths['/api/v1/token/mint'].post;

    expect(mint.security).toEqual([{ 'client-key': [] }]);
    expect(mint.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]),
    );
    expect(Object.keys(mint.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '404', '409']));
    expect(Object.keys(doc.paths['/api/v1/token/redeem'].post.responses)).toContain('422');
    expect(doc.paths['/api/v1/transactions/{txId}'].get.responses['404']).toBeDefined();
  });
});
