import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { withClient } from '../support/database';

/**
 * Admin custody inputs that reached PostgreSQL and failed there (500) are refused by
 * validation instead: 400 VALIDATION_ERROR, and nothing written.
 */
describe('custody admin input limits', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(() => testApp.close());

  const get = (path: string) => request(testApp.server).get(path).set('X-API-Key', TEST_ADMIN_API_KEY);
  const create = (body: object) => request(testApp.server).post('/api/v1/admin/wallets').set('X-API-Key', TEST_ADMIN_API_KEY).send(body);
  const count = (sql: string, values: unknown[]) =>
    withClient(testApp.database.url, async (client) => (await client.query<{ n: number }>(sql, values)).rows[0].n);
  const walletRows = (walletId: string) => count(`SELECT count(*)::int AS n FROM wallet_custody WHERE wallet_id = $1`, [walletId]);
  const creations = (walletId: string) =>
    count(`SELECT count(*)::int AS n FROM wallet_audit_logs WHERE wallet_id = $1 AND action LIKE 'wallet_create%'`, [walletId]);
  const expectValidationError = (response: request.Response, field: string) => {
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'VALIDATION_ERROR', details: [expect.objectContaining({ field })] });
  };

  describe('the audit-log cursor', () => {
    it.each([
      ['2^63', (2n ** 63n).toString()],
      ['the largest 19-digit number', '9999999999999999999'],
      ['20 digits', '1'.repeat(20)],
      ['a negative id', '-1'],
      ['a decimal', '1.5'],
    ])('answers 400 VALIDATION_ERROR for %s', async (_label, cursor) => {
      expectValidationError(await get(`/api/v1/admin/audit/wallet-logs?cursor=${encodeURIComponent(cursor)}`), 'cursor');
    });

    it('accepts every id of the bigint range, up to 2^63-1', async () => {
      await create({ walletId: 'cursor-1' });

      const largest = await get(`/api/v1/admin/audit/wallet-logs?cursor=${2n ** 63n - 1n}&limit=1`);
      const smallest = await get('/api/v1/admin/audit/wallet-logs?cursor=0');

      expect(largest.status).toBe(200);
      expect(largest.body.items).toHaveLength(1);
      expect(smallest.body).toEqual({ items: [], next_cursor: null });
    });
  });

  describe('the wallet list offset', () => {
    it.each(['100001', '1e20', '99999999999999999999', '9223372036854775808'])('answers 400 VALIDATION_ERROR for %s', async (offset) => {
      expectValidationError(await get(`/api/v1/admin/wallets?offset=${offset}`), 'offset');
    });

    it('accepts the documented maximum, 100000, and says so in OpenAPI', async () => {
      const page = await get('/api/v1/admin/wallets?offset=100000');
      expect(page.status).toBe(200);
      expect(page.body.items).toEqual([]);

      const { body: doc } = await request(testApp.server).get('/docs/openapi.json');
      const offset = (doc.paths['/api/v1/admin/wallets'].get.parameters as Array<{ name: string; schema: object }>).find(
        (parameter) => parameter.name === 'offset',
      );
      expect(offset?.schema).toMatchObject({ minimum: 0, maximum: 100_000 });
    });
  });

  describe('wallet metadata', () => {
    /** An object `depth` levels deep, itself the first. */
    const nested = (depth: number): object => (depth === 1 ? { leaf: true } : { nested: nested(depth - 1) });

    it.each([
      ['NUL in a value', { note: 'a\u0000b' }],
      ['NUL in a key', { 'a\u0000b': 1 }],
      ['NUL in a nested key', { outer: { inner: { 'k\u0000': 'v' } } }],
      ['NUL in an array', { tags: ['ok', ['still ok', '\u0000']] }],
      ['a lone high surrogate', { note: 'x\ud800' }],
      ['a lone low surrogate in a key', { '\udc00y': 'x' }],
      ['nesting deeper than 8 levels', nested(9)],
      ['an array nesting deeper than 8 levels', { list: [[[[[[[[]]]]]]]] }],
      ['more than 4096 bytes of JSON', { note: 'é'.repeat(2100) }],
    ])('refuses %s with 400 VALIDATION_ERROR and writes nothing', async (_label, metadata) => {
      const walletId = `meta-${Math.random().toString(36).slice(2, 10)}`;

      const response = await create({ walletId, metadata });

      expectValidationError(response, 'metadata');
      expect(await walletRows(walletId)).toBe(0);
      expect(await creations(walletId)).toBe(0);
    });

    it('stores what jsonb keeps: other control characters, paired surrogates, 8 levels, up to 4096 bytes', async () => {
      const metadata = { note: 'tab\there\u0001\u001f\u007f', emoji: '😀', nested: nested(7), pad: 'x'.repeat(3900) };

      const created = await create({ walletId: 'meta-ok', metadata });

      expect(created.status).toBe(201);
      expect(created.body.metadata).toEqual(metadata);
      expect(await walletRows('meta-ok')).toBe(1);
    });

    it('stores keys named after members of Object.prototype as sent', async () => {
      const metadata = { toString: 'a', valueOf: 1, hasOwnProperty: { isPrototypeOf: true } };

      const created = await create({ walletId: 'meta-members', metadata });

      expect(created.status).toBe(201);
      expect(created.body.metadata).toEqual(metadata);
    });

    it.each([
      ['__proto__', '{"walletId": "meta-proto", "metadata": {"__proto__": {"polluted": true}}}'],
      ['constructor', '{"walletId": "meta-proto", "metadata": {"n": {"constructor": {"prototype": {"polluted": true}}}}}'],
    ])('refuses a %s key with 400 VALIDATION_ERROR, writes nothing and pollutes nothing', async (_key, body) => {
      const response = await request(testApp.server)
        .post('/api/v1/admin/wallets')
        .set('X-API-Key', TEST_ADMIN_API_KEY)
        .set('Content-Type', 'application/json')
        .send(body);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'VALIDATION_ERROR', details: [{ field: expect.stringContaining('metadata') }] });
      expect(await walletRows('meta-proto')).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('the audit-log time filters', () => {
    it.each([
      ['from', '-100000-01-01T00:00:00.000Z'],
      ['to', '-005000-01-01T00:00:00.000Z'],
    ])('answers 400 VALIDATION_ERROR for a %s outside what PostgreSQL stores', async (field, value) => {
      expectValidationError(await get(`/api/v1/admin/audit/wallet-logs?${field}=${encodeURIComponent(value)}`), field);
    });
  });
});
