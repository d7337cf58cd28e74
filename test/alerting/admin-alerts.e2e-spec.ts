import request from 'supertest';

import { ApiKeyMatcher } from '../../src/auth/api-key.matcher';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';

const ADMIN_ACTOR = `admin-key:${ApiKeyMatcher.fingerprint(TEST_ADMIN_API_KEY)}`;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

interface Row {
  severity: string;
  category: string;
  status?: string;
  /** How long ago it was raised, and last occurred unless `lastMinutesAgo` says otherwise. */
  minutesAgo: number;
  lastMinutesAgo?: number;
  occurrences?: number;
  title?: string;
}

describe('admin API: alerts', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  const admin = (method: 'get' | 'post', path: string) => request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);
  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(testApp.database.url, async (client) => (await client.query<T>(text, values)).rows);

  /** Inserts alerts raised at chosen times; their ids in order. Each test uses its own categories. */
  const insert = async (rows: Row[]): Promise<string[]> => {
    const ids: string[] = [];
    for (const row of rows) {
      const [{ id }] = await sql<{ id: string }>(
        `INSERT INTO alert_logs (severity, category, title, message, data, status, occurrences, created_at, last_occurred_at)
         VALUES ($1, $2, $3, 'what happened; what to do', '{"k": 1}', $4, $5,
                 now() - make_interval(mins => $6), now() - make_interval(mins => $7))
         RETURNING id`,
        [
          row.severity,
          row.category,
          row.title ?? `${row.category} alert`,
          row.status ?? 'open',
          row.occurrences ?? 1,
          row.minutesAgo,
          row.lastMinutesAgo ?? row.minutesAgo,
        ],
      );
      ids.push(id);
    }
    return ids;
  };

  describe('GET /api/v1/admin/alerts', () => {
    it('lists alerts newest first, in the API shape, with title, message and data', async () => {
      const [older, newer] = await insert([
        { severity: 'warning', category: 'list_shape', minutesAgo: 10 },
        { severity: 'error', category: 'list_shape', minutesAgo: 5 },
      ]);

      const response = await admin('get', '/api/v1/admin/alerts?category=list_shape');

      expect(response.status).toBe(200);
      expect(response.body.items.map((alert: { id: string }) => alert.id)).toEqual([newer, older]);
      expect(response.body.items[0]).toEqual({
        id: newer,
        severity: 'error',
        category: 'list_shape',
        title: 'list_shape alert',
        message: 'what happened; what to do',
        data: { k: 1 },
        status: 'open',
        occurrences: 1,
        dedup_key: null,
        created_at: expect.any(String),
        last_occurred_at: expect.any(String),
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
      });
      expect(response.body.next_cursor).toBeNull();
    });

    it('filters by severity, category and status together', async () => {
      const [wanted] = await insert([
        { severity: 'critical', category: 'filter_a', status: 'acknowledged', minutesAgo: 1 },
        { severity: 'warning', category: 'filter_a', status: 'acknowledged', minutesAgo: 1 },
        { severity: 'critical', category: 'filter_b', status: 'acknowledged', minutesAgo: 1 },
        { severity: 'critical', category: 'filter_a', status: 'open', minutesAgo: 1 },
      ]);

      const response = await admin('get', '/api/v1/admin/alerts?severity=critical&category=filter_a&status=acknowledged');

      expect(response.status).toBe(200);
      expect(response.body.items.map((alert: { id: string }) => alert.id)).toEqual([wanted]);
    });

    it('pages with a keyset cursor: every alert once, none skipped, even with equal timestamps', async () => {
      // Seven alerts, three of them raised at the same instant.
      const ids = await insert([30, 25, 20, 20, 20, 10, 5].map((minutesAgo) => ({ severity: 'info', category: 'paging', minutesAgo })));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response: request.Response = await admin(
          'get',
          `/api/v1/admin/alerts?category=paging&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...response.body.items.map((alert: { id: string }) => alert.id));
        cursor = response.body.next_cursor;
        pages++;
      } while (cursor !== null);

      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(7);
      expect(seen.slice(0, 2)).toEqual([ids[6], ids[5]]);
      expect(seen.slice(5)).toEqual([ids[1], ids[0]]);
      expect([...seen].sort()).toEqual([...ids].sort());
    });

    it.each([
      ['an unknown severity', 'severity=fatal'],
      ['a category that is not snake case', 'category=Robert%27);DROP'],
      ['an unknown status', 'status=closed'],
      ['a limit of 0', 'limit=0'],
      ['a limit above 200', 'limit=201'],
      ['a padded limit', 'limit=%205'],
      ['a cursor that is not an alert id', 'cursor=abc'],
      ['an unknown parameter', 'sort=asc'],
      ['a repeated filter', 'severity=info&severity=error'],
    ])('refuses %s with 400 VALIDATION_ERROR', async (_label, query) => {
      const response = await admin('get', `/api/v1/admin/alerts?${query}`);

      expect([response.status, response.body.error]).toEqual([400, 'VALIDATION_ERROR']);
    });

    it('answers an empty page for a cursor naming no alert', async () => {
      const response = await admin('get', `/api/v1/admin/alerts?cursor=${UNKNOWN_ID}`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [], next_cursor: null });
    });
  });

  describe('acknowledge and resolve', () => {
    const alertOf = async (id: string) =>
      (
        await sql<{
          status: string;
          acknowledged_by: string | null;
          acknowledged_at: Date | null;
          resolved_by: string | null;
          resolved_at: Date | null;
        }>(`SELECT status, acknowledged_by, acknowledged_at, resolved_by, resolved_at FROM alert_logs WHERE id = $1`, [id])
      )[0];

    it('acknowledges an open alert, recording when and which admin key', async () => {
      const [id] = await insert([{ severity: 'critical', category: 'ack', minutesAgo: 1 }]);

      const response = await admin('post', `/api/v1/admin/alerts/${id}/acknowledge`);

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id, status: 'acknowledged', acknowledged_by: ADMIN_ACTOR, resolved_at: null });
      expect(Date.parse(response.body.acknowledged_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(await alertOf(id)).toMatchObject({ status: 'acknowledged', acknowledged_by: ADMIN_ACTOR, acknowledged_at: expect.any(Date) });
    });

    it('keeps the first acknowledgement when acknowledged again', async () => {
      const [id] = await insert([{ severity: 'warning', category: 'ack_twice', minutesAgo: 1 }]);
      const first = await admin('post', `/api/v1/admin/alerts/${id}/acknowledge`);
      await sql(`UPDATE alert_logs SET acknowledged_by = 'admin-key:earlier' WHERE id = $1`, [id]);

      const second = await admin('post', `/api/v1/admin/alerts/${id}/acknowledge`);

      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({
        status: 'acknowledged',
        acknowledged_by: 'admin-key:earlier',
        acknowledged_at: first.body.acknowledged_at,
      });
    });

    it('resolves an acknowledged alert, keeping who acknowledged it', async () => {
      const [id] = await insert([{ severity: 'error', category: 'resolve', minutesAgo: 1 }]);
      await admin('post', `/api/v1/admin/alerts/${id}/acknowledge`);

      const response = await admin('post', `/api/v1/admin/alerts/${id}/resolve`);

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id, status: 'resolved', acknowledged_by: ADMIN_ACTOR, resolved_by: ADMIN_ACTOR });
      expect(await alertOf(id)).toMatchObject({ status: 'resolved', resolved_by: ADMIN_ACTOR, resolved_at: expect.any(Date) });
    });

    it('resolves an open alert directly, and resolving it again changes nothing', async () => {
      const [id] = await insert([{ severity: 'info', category: 'resolve_open', minutesAgo: 1 }]);
      const first = await admin('post', `/api/v1/admin/alerts/${id}/resolve`);
      await sql(`UPDATE alert_logs SET resolved_by = 'admin-key:earlier' WHERE id = $1`, [id]);

      const second = await admin('post', `/api/v1/admin/alerts/${id}/resolve`);

      expect(first.body).toMatchObject({ status: 'resolved', acknowledged_by: null, resolved_by: ADMIN_ACTOR });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ status: 'resolved', resolved_by: 'admin-key:earlier', resolved_at: first.body.resolved_at });
    });

    it('refuses to acknowledge a resolved alert: 409 ALERT_ALREADY_RESOLVED, and changes nothing', async () => {
      const [id] = await insert([{ severity: 'critical', category: 'ack_resolved', status: 'resolved', minutesAgo: 1 }]);
      const before = await alertOf(id);

      const response = await admin('post', `/api/v1/admin/alerts/${id}/acknowledge`);

      expect([response.status, response.body.error]).toEqual([409, 'ALERT_ALREADY_RESOLVED']);
      expect(response.body.details).toMatchObject({ alert_id: id });
      expect(await alertOf(id)).toEqual(before);
    });

    it.each([
      ['acknowledge', 'an unknown id', UNKNOWN_ID],
      ['acknowledge', 'an id that is not a uuid', 'not-a-uuid'],
      ['acknowledge', 'an SQL shape', encodeURIComponent("' OR '1'='1")],
      ['resolve', 'an unknown id', UNKNOWN_ID],
      ['resolve', 'an id that is not a uuid', '12345'],
    ])('%s answers 404 ALERT_NOT_FOUND for %s', async (action, _label, id) => {
      const response = await admin('post', `/api/v1/admin/alerts/${id}/${action}`);

      expect([response.status, response.body.error]).toEqual([404, 'ALERT_NOT_FOUND']);
    });

    it('refuses the client key', async () => {
      const [id] = await insert([{ severity: 'critical', category: 'client_key', minutesAgo: 1 }]);

      const response = await request(testApp.server).post(`/api/v1/admin/alerts/${id}/resolve`).set('X-API-Key', TEST_API_KEY);

      expect([response.status, response.body.error]).toEqual([401, 'INVALID_API_KEY']);
      expect(await alertOf(id)).toMatchObject({ status: 'open' });
    });
  });

  describe('GET /api/v1/admin/alerts/stats', () => {
    it('counts the alerts that occurred in the last N hours by severity, category and status', async () => {
      // A fresh database for this one, so only these rows count.
      await sql(`DELETE FROM alert_logs`);
      await insert([
        { severity: 'critical', category: 'transaction_pending', minutesAgo: 10, occurrences: 3 },
        { severity: 'error', category: 'transaction_pending', status: 'acknowledged', minutesAgo: 90 },
        { severity: 'warning', category: 'gas_price_spike', status: 'resolved', minutesAgo: 30 },
        { severity: 'info', category: 'system_test', minutesAgo: 5 * 60 },
        // Raised two days ago, still repeating an hour ago: it occurred in the window.
        { severity: 'warning', category: 'transaction_failed', minutesAgo: 48 * 60, lastMinutesAgo: 60, occurrences: 40 },
        // Last occurred before every window asked here but 720 hours.
        { severity: 'critical', category: 'transaction_failed', status: 'resolved', minutesAgo: 30 * 60 },
      ]);

      const twoHours = await admin('get', '/api/v1/admin/alerts/stats?hours=2');
      const byDefault = await admin('get', '/api/v1/admin/alerts/stats');
      const month = await admin('get', '/api/v1/admin/alerts/stats?hours=720');

      expect(twoHours.status).toBe(200);
      expect(twoHours.body).toEqual({
        hours: 2,
        since: expect.any(String),
        total: 4,
        occurrences: 45,
        by_severity: { info: 0, warning: 2, error: 1, critical: 1 },
        by_category: { transaction_pending: 2, gas_price_spike: 1, transaction_failed: 1 },
        by_status: { open: 2, acknowledged: 1, resolved: 1 },
      });
      expect(Math.abs(Date.parse(twoHours.body.since) - (Date.now() - 2 * 3600_000))).toBeLessThan(60_000);
      expect(byDefault.body).toMatchObject({
        hours: 24,
        total: 5,
        by_severity: { info: 1, warning: 2, error: 1, critical: 1 },
        by_category: { transaction_pending: 2, gas_price_spike: 1, transaction_failed: 1, system_test: 1 },
      });
      expect(month.body).toMatchObject({ hours: 720, total: 6, by_status: { open: 3, acknowledged: 1, resolved: 2 } });
    });

    it('answers zeros for a window with no alert', async () => {
      await sql(`DELETE FROM alert_logs`);

      const response = await admin('get', '/api/v1/admin/alerts/stats?hours=1');

      expect(response.body).toEqual({
        hours: 1,
        since: expect.any(String),
        total: 0,
        occurrences: 0,
        by_severity: { info: 0, warning: 0, error: 0, critical: 0 },
        by_category: {},
        by_status: { open: 0, acknowledged: 0, resolved: 0 },
      });
    });

    it.each(['0', '721', '-1', '1.5', '%2024', '0x10', '24h', ''])('refuses hours=%s with 400 VALIDATION_ERROR', async (hours) => {
      const response = await admin('get', `/api/v1/admin/alerts/stats?hours=${hours}`);

      expect([response.status, response.body.error]).toEqual([400, 'VALIDATION_ERROR']);
    });
  });

  it('documents every alert route in OpenAPI, under the admin key, with typed answers and its error codes', async () => {
    const { body: doc } = await request(testApp.server).get('/docs/openapi.json');
    const operation = (path: string, method: string) => doc.paths[path]?.[method];

    for (const [path, method, schema, status] of [
      ['/api/v1/admin/alerts', 'get', 'AlertPageDto', '200'],
      ['/api/v1/admin/alerts/stats', 'get', 'AlertStatsDto', '200'],
      ['/api/v1/admin/alerts/{alertId}', 'get', 'AlertDetailDto', '200'],
      ['/api/v1/admin/alerts/test', 'post', 'AlertDetailDto', '202'],
      ['/api/v1/admin/alerts/{alertId}/acknowledge', 'post', 'AlertDto', '200'],
      ['/api/v1/admin/alerts/{alertId}/resolve', 'post', 'AlertDto', '200'],
    ]) {
      expect([path, operation(path, method)?.security]).toEqual([path, [{ 'admin-key': [] }, { 'admin-key-legacy': [] }]]);
      expect(operation(path, method).tags).toEqual(['admin']);
      expect(operation(path, method).responses[status].content['application/json'].schema.$ref).toBe(`#/components/schemas/${schema}`);
    }
    expect(operation('/api/v1/admin/alerts/{alertId}', 'get').responses['404'].description).toBe('ALERT_NOT_FOUND');
    expect(Object.keys(doc.components.schemas.AlertDeliveryDto.properties)).toEqual(
      expect.arrayContaining(['event', 'channel', 'target', 'status', 'attempts', 'next_attempt_at', 'last_error', 'delivered_at']),
    );
    expect(operation('/api/v1/admin/alerts/{alertId}/acknowledge', 'post').responses['409'].description).toBe('ALERT_ALREADY_RESOLVED');
    expect(operation('/api/v1/admin/alerts/{alertId}/resolve', 'post').responses['404'].description).toBe('ALERT_NOT_FOUND');
    expect(Object.keys(doc.components.schemas.AlertDto.properties)).toEqual(
      expect.arrayContaining(['severity', 'category', 'title', 'message', 'data', 'status', 'acknowledged_by', 'resolved_by']),
    );
    expect(doc.components.schemas.AlertDto.properties.severity.enum).toEqual(['info', 'warning', 'error', 'critical']);
  });
});
