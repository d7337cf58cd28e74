import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';

const HEX_64 = 'ab'.repeat(32);

/** GET /api/v1/admin/errors: the stored server errors, newest first, by code and user, paged by id. */
describe('admin API: error logs', () => {
  let testApp: TestApp;
  /** Ids of the rows inserted, oldest first. */
  const inserted: Array<{ id: string; errorType: string; userId: string | null }> = [];

  beforeAll(async () => {
    testApp = await startTestApp();
    await withClient(testApp.database.url, async (client) => {
      for (let i = 0; i < 25; i++) {
        const errorType = i % 3 === 0 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR';
        const userId = i % 2 === 0 ? 'guest-even' : i % 5 === 0 ? null : 'guest-odd';
        // Written as an older version might have stored it, before a redaction rule existed.
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO error_logs (error_id, error_type, message, stack, status_code, method, path, request_id, user_id, details)
           VALUES ($1, $2, $3, $4, 500, 'POST', $5, $6, $7, $8) RETURNING id`,
          [
            randomUUID(),
            errorType,
            `failure ${i} password=hunter2`,
            `Error: failure ${i}\n    at call (https://rpc.example.com/v2/secret-key-${i})\n    key 0x${HEX_64}`,
            `/api/v1/token/mint?token=abc${i}`,
            `request-${i}`,
            userId,
            JSON.stringify({ attempt: i }),
          ],
        );
        inserted.push({ id: rows[0].id, errorType, userId });
      }
    });
  });

  afterAll(() => testApp.close());

  const list = (query = '') => request(testApp.server).get(`/api/v1/admin/errors${query}`).set('X-API-Key', TEST_ADMIN_API_KEY);
  const newestFirst = (rows: typeof inserted) => rows.map((row) => row.id).reverse();

  it('lists errors newest first, 20 to a page by default, with a cursor to the rest', async () => {
    const first = await list();
    const second = await list(`?cursor=${first.body.nextCursor}`);

    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(20);
    expect(first.body.nextCursor).toBe(first.body.items[19].id);
    expect(second.body.items).toHaveLength(5);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id)).toEqual(newestFirst(inserted));
  });

  it('answers every field of a row, with secrets in its text redacted, stack included', async () => {
    const { body } = await list('?limit=1');
    const newest = inserted[inserted.length - 1];

    expect(body.items[0]).toEqual({
      id: newest.id,
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      errorType: newest.errorType,
      message: 'failure 24 password=[REDACTED]',
      stack: 'Error: failure 24\n    at call (https://rpc.example.com/[REDACTED]\n    key [REDACTED_HEX]',
      statusCode: 500,
      method: 'POST',
      path: '/api/v1/token/mint?token=[REDACTED]',
      requestId: 'request-24',
      userId: 'guest-even',
      details: { attempt: 24 },
      createdAt: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|secret-key|abc24|(ab){32}/);
  });

  it('filters by error code and by user, together and with paging', async () => {
    const unavailable = await list('?errorType=SERVICE_UNAVAILABLE');
    const odd = await list('?userId=guest-odd&limit=100');
    const both = await list('?errorType=INTERNAL_ERROR&userId=guest-even&limit=3');
    const bothRest = await list(`?errorType=INTERNAL_ERROR&userId=guest-even&limit=3&cursor=${both.body.nextCursor}`);
    const ids = (response: request.Response) => response.body.items.map((item: { id: string }) => item.id);

    expect(ids(unavailable)).toEqual(newestFirst(inserted.filter((row) => row.errorType === 'SERVICE_UNAVAILABLE')));
    expect(ids(odd)).toEqual(newestFirst(inserted.filter((row) => row.userId === 'guest-odd')));
    const expected = newestFirst(inserted.filter((row) => row.errorType === 'INTERNAL_ERROR' && row.userId === 'guest-even'));
    expect([...ids(both), ...ids(bothRest)]).toEqual(expected.slice(0, 6));
    expect((await list('?errorType=NO_SUCH_CODE')).body).toEqual({ items: [], nextCursor: null });
  });

  it('takes the largest bigint as a cursor, and 0 as one past the end', async () => {
    expect((await list('?cursor=9223372036854775807&limit=100')).body.items).toHaveLength(25);
    expect((await list('?cursor=0')).body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['a cursor past bigint', '?cursor=9223372036854775808'],
    ['a negative cursor', '?cursor=-1'],
    ['a fractional cursor', '?cursor=1.5'],
    ['a cursor that is not digits', '?cursor=abc'],
    ['an empty cursor', '?cursor='],
    ['a 20-digit cursor', '?cursor=00000000000000000001'],
    ['a zero limit', '?limit=0'],
    ['a limit above 100', '?limit=101'],
    ['a padded limit', '?limit=%205'],
    ['a lower-case error code', '?errorType=internal_error'],
    ['an error code with SQL', "?errorType=X'%20OR%201=1"],
    ['a user id with spaces', '?userId=a%20b'],
    ['a repeated parameter', '?errorType=A&errorType=B'],
    ['an unknown parameter', '?stack=true'],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_label, query) => {
    const response = await list(query);
    expect([response.status, response.body.error]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('is for admin keys only', async () => {
    const client = await request(testApp.server).get('/api/v1/admin/errors').set('X-API-Key', TEST_API_KEY);
    const none = await request(testApp.server).get('/api/v1/admin/errors');

    expect([client.status, client.body.error]).toEqual([401, 'INVALID_API_KEY']);
    expect([none.status, none.body.error]).toEqual([401, 'INVALID_API_KEY']);
  });
});
