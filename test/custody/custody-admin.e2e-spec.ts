import request from 'supertest';
import { type Address, type Hex, verifyMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { WalletRevokedError } from '../../src/custody/custody.errors';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import { SecurityEventRecorder } from '../../src/security/security-event.recorder';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY, TEST_FERNET_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { captureLogs, recordCreatedKeys } from '../support/log-capture';
import { openFernetRow } from '../support/python-custody';

const ROUTES = [
  ['post', '/api/v1/admin/wallets'],
  ['get', '/api/v1/admin/wallets'],
  ['get', '/api/v1/admin/wallets/guest-x'],
  ['post', '/api/v1/admin/wallets/guest-x/rotate'],
  ['post', '/api/v1/admin/wallets/guest-x/revoke'],
  ['post', '/api/v1/admin/wallets/revoke'],
  ['get', '/api/v1/admin/audit/wallet-logs'],
  ['get', '/api/v1/admin/audit/wallet-logs/verify'],
] as const;

describe('custody through the admin API (Fernet)', () => {
  const logs = captureLogs();
  let testApp: TestApp;
  /** Every response body this suite received, to prove none carries a key. */
  const answers: string[] = [];

  beforeAll(async () => {
    testApp = await startTestApp({ logStream: logs.stream });
  });

  afterAll(() => testApp.close());

  const admin = async (method: 'get' | 'post', path: string, body?: object) => {
    const call = request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);
    const response = await (body === undefined ? call : call.send(body));
    answers.push(response.text);
    return response;
  };
  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(testApp.database.url, async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows);
  /** What an attacker with the database and the Fernet key would get: the plaintext keys. */
  const plaintextKeys = async (): Promise<string[]> => {
    const rows = await sql<{ encrypted_private_key: string }>(`SELECT encrypted_private_key FROM wallet_custody`);
    return rows.map((row) => openFernetRow(row.encrypted_private_key, [TEST_FERNET_KEY]));
  };
  const refusalsOf = async (path: string): Promise<number> =>
    (
      await sql<{ n: number }>(
        `SELECT coalesce(sum(count), 0)::int AS n FROM security_events WHERE kind = 'admin_refused' AND path = $1 AND details->>'status' = '401'`,
        [path],
      )
    )[0].n;
  const actionsOf = async (walletId: string) =>
    (await sql<{ action: string }>(`SELECT action FROM wallet_audit_logs WHERE wallet_id = $1 ORDER BY id`, [walletId])).map(
      (row) => row.action,
    );

  describe.each(ROUTES)('%s %s', (method, path) => {
    it.each([
      ['no key', undefined],
      ['a wrong key', 'wrong-admin-key-0123456789'],
      ['the client key', TEST_API_KEY],
    ])('answers 401 with %s, changes nothing, and counts the refusal outside the audit chain', async (_label, key) => {
      const before = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM wallet_custody`))[0].n;
      const refusalsBefore = await refusalsOf(path);
      const call = request(testApp.server)[method](path);
      const response = await (key === undefined ? call : call.set('X-API-Key', key)).send(
        method === 'post' ? { walletId: 'guest-x' } : undefined,
      );

      expect(response.status).toBe(401);
      expect(response.body.error).toBe('INVALID_API_KEY');
      expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM wallet_custody`))[0].n).toBe(before);
      await eventually(async () => {
        await testApp.app.get(SecurityEventRecorder).flush();
        expect(await refusalsOf(path)).toBe(refusalsBefore + 1);
      });
      expect(await sql(`SELECT action FROM wallet_audit_logs WHERE request_id = $1`, [response.headers['x-request-id']])).toEqual([]);
    });
  });

  it('documents every custody route in OpenAPI under the admin key, with the shape it answers', async () => {
    const { body: doc } = await request(testApp.server).get('/docs/openapi.json');
    for (const [method, path] of ROUTES) {
      const template = path.replace('guest-x', '{walletId}');
      const operation = doc.paths[template]?.[method];
      expect(operation?.security).toEqual([{ 'admin-key': [] }, { 'admin-key-legacy': [] }]);
      const success = operation?.responses?.[path === '/api/v1/admin/wallets' && method === 'post' ? '201' : '200'];
      const ref: string = success?.content?.['application/json']?.schema?.$ref ?? '';
      expect(Object.keys(doc.components.schemas[ref.replace('#/components/schemas/', '')]?.properties ?? {})).not.toHaveLength(0);
    }
  });

  it('creates a wallet whose key is stored only as a Fernet token, and never answers with it', async () => {
    const created = await admin('post', '/api/v1/admin/wallets', { walletId: 'guest-1', metadata: { tier: 'gold' } });

    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      wallet_id: 'guest-1',
      address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      status: 'active',
      encryption_scheme: 'fernet',
      key_version: expect.any(Number),
      metadata: { tier: 'gold' },
      created_at: expect.any(String),
      rotated_at: null,
      revoked_at: null,
      last_used_at: null,
    });
    const [row] = await sql<{ encrypted_private_key: string; encrypted_data_key: string | null }>(
      `SELECT encrypted_private_key, encrypted_data_key FROM wallet_custody WHERE wallet_id = 'guest-1'`,
    );
    // The Python backend's form: standard base64 of the Fernet token (which starts gAAAAA).
    expect(row.encrypted_private_key).toMatch(/^Z0FBQUFB[A-Za-z0-9+/]+={0,2}$/);
    const [key] = await plaintextKeys();
    expect(privateKeyToAccount(`0x${key}` as Hex).address).toBe(created.body.address);
    expect(await actionsOf('guest-1')).toEqual(expect.arrayContaining(['wallet_created']));
  });

  it('refuses a second active wallet for the same id with 409 WALLET_ALREADY_EXISTS', async () => {
    const again = await admin('post', '/api/v1/admin/wallets', { walletId: 'guest-1' });

    expect(again.status).toBe(409);
    expect(again.body.error).toBe('WALLET_ALREADY_EXISTS');
    expect((await sql(`SELECT id FROM wallet_custody WHERE wallet_id = 'guest-1'`)).length).toBe(1);
  });

  it('validates input: a bad wallet id is 400 and writes nothing', async () => {
    const bad = await admin('post', '/api/v1/admin/wallets', { walletId: 'no spaces/allowed' });

    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('VALIDATION_ERROR');
    expect((await sql(`SELECT id FROM wallet_custody WHERE wallet_id = 'no spaces/allowed'`)).length).toBe(0);
  });

  it('gets one wallet, 404 WALLET_NOT_FOUND for an unknown one, and lists them by status', async () => {
    await admin('post', '/api/v1/admin/wallets', { walletId: 'guest-2' });

    expect((await admin('get', '/api/v1/admin/wallets/guest-2')).body).toMatchObject({
      wallet_id: 'guest-2',
      status: 'active',
      history: [],
    });
    const missing = await admin('get', '/api/v1/admin/wallets/nobody');
    expect([missing.status, missing.body.error]).toEqual([404, 'WALLET_NOT_FOUND']);
    const page = await admin('get', '/api/v1/admin/wallets?status=active&limit=1');
    expect(page.body.total).toBe(2);
    expect(page.body.items).toHaveLength(1);
    expect((await admin('get', '/api/v1/admin/wallets?status=revoked')).body).toEqual({ items: [], total: 0 });
  });

  it('rotates: a new address under the same id, the old key kept as rotated in its history', async () => {
    const before = (await admin('get', '/api/v1/admin/wallets/guest-2')).body;

    const rotated = await admin('post', '/api/v1/admin/wallets/guest-2/rotate');

    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ wallet_id: 'guest-2', status: 'active' });
    expect(rotated.body.address).not.toBe(before.address);
    expect(rotated.body.history).toEqual([
      expect.objectContaining({ address: before.address, status: 'rotated', rotated_at: expect.any(String) }),
    ]);
    expect(await actionsOf('guest-2')).toEqual(expect.arrayContaining(['wallet_created', 'wallet_rotated']));
  });

  it('signs only with the active key, auditing the key access as HIGH', async () => {
    const custody = testApp.app.get(WalletCustodyService);
    const { address } = (await admin('get', '/api/v1/admin/wallets/guest-2')).body as { address: Address };

    const signature = await custody.withSigner('guest-2', { actor: 'test' }, 'message', (account) =>
      account.signMessage({ message: 'hello' }),
    );

    expect(await verifyMessage({ address, message: 'hello', signature })).toBe(true);
    const [access] = await sql(
      `SELECT severity, details FROM wallet_audit_logs WHERE wallet_id = 'guest-2' AND action = 'private_key_decrypted'`,
    );
    expect(access).toEqual({ severity: 'HIGH', details: { purpose: 'message', address: address.toLowerCase() } });
  });

  it('revokes: the wallet cannot sign or rotate any more', async () => {
    const revoked = await admin('post', '/api/v1/admin/wallets/guest-1/revoke');

    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    await expect(
      testApp.app
        .get(WalletCustodyService)
        .withSigner('guest-1', { actor: 'test' }, 'message', (account) => account.signMessage({ message: 'x' })),
    ).rejects.toBeInstanceOf(WalletRevokedError);
    const again = await admin('post', '/api/v1/admin/wallets/guest-1/rotate');
    expect([again.status, again.body.error]).toEqual([409, 'WALLET_REVOKED']);
    expect(await actionsOf('guest-1')).toEqual(
      expect.arrayContaining(['wallet_created', 'wallet_create_refused', 'wallet_revoked', 'admin_request']),
    );
  });

  it("answers the Python backend's admin requests: X-Admin-Key, its wallet fields, revoke by body with a reason", async () => {
    const python = (method: 'get' | 'post', path: string, body?: object) => {
      const call = request(testApp.server)[method](path).set('X-Admin-Key', TEST_ADMIN_API_KEY);
      return body === undefined ? call : call.send(body);
    };
    expect((await python('post', '/api/v1/admin/wallets', { walletId: 'python-ops-1' })).status).toBe(201);

    const wallet = await python('get', '/api/v1/admin/wallets/python-ops-1?include_private_key=false');
    answers.push(wallet.text);
    expect(wallet.status).toBe(200);
    expect(wallet.body).toMatchObject({
      wallet_id: 'python-ops-1',
      address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      status: 'active',
      created_at: expect.any(String),
      last_used_at: null,
      metadata: {},
    });

    const revoked = await python('post', '/api/v1/admin/wallets/revoke', { wallet_id: 'python-ops-1', reason: 'device lost' });
    expect([revoked.status, revoked.body.status]).toEqual([200, 'revoked']);
    const [entry] = await sql<{ actor: string; details: { reason: string } }>(
      `SELECT actor, details FROM wallet_audit_logs WHERE wallet_id = 'python-ops-1' AND action = 'wallet_revoked'`,
    );
    expect(entry.details.reason).toBe('device lost');
    expect(entry.actor).toMatch(/^admin-key:[0-9a-f]{8}$/);
    const missing = await python('post', '/api/v1/admin/wallets/revoke', { reason: 'no wallet named' });
    expect([missing.status, missing.body.error]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('refuses include_private_key=true with 403 PRIVATE_KEY_EXPORT_REFUSED, audited as HIGH, returning no key', async () => {
    await admin('post', '/api/v1/admin/wallets', { walletId: 'python-ops-2' });
    const response = await admin('get', '/api/v1/admin/wallets/python-ops-2?include_private_key=true');

    expect([response.status, response.body.error]).toEqual([403, 'PRIVATE_KEY_EXPORT_REFUSED']);
    expect(response.body).not.toHaveProperty('private_key');
    const [refusal] = await sql<{ severity: string }>(
      `SELECT severity FROM wallet_audit_logs WHERE wallet_id = 'python-ops-2' AND action = 'private_key_export_refused'`,
    );
    expect(refusal).toEqual({ severity: 'HIGH' });
    expect((await admin('get', '/api/v1/admin/wallets/python-ops-2?include_private_key=yes')).status).toBe(400);
  });

  it('lists the audit trail by wallet and severity, newest first, in pages', async () => {
    const high = await admin('get', '/api/v1/admin/audit/wallet-logs?walletId=guest-2&severity=HIGH');
    expect(high.body.items.map((item: { action: string }) => item.action)).toEqual(['private_key_decrypted', 'wallet_rotated']);

    const first = await admin('get', '/api/v1/admin/audit/wallet-logs?limit=2');
    const second = await admin('get', `/api/v1/admin/audit/wallet-logs?limit=2&cursor=${first.body.next_cursor}`);
    expect(Number(second.body.items[0].id)).toBeLessThan(Number(first.body.items[1].id));
    const bad = await admin('get', '/api/v1/admin/audit/wallet-logs?severity=URGENT');
    expect([bad.status, bad.body.error]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('never put a private key in an answer or a log line', async () => {
    const keys = await plaintextKeys();
    expect(keys.length).toBeGreaterThanOrEqual(3);
    recordCreatedKeys(keys);
    const logged = logs.text();
    expect(logged).toContain('admin call');
    for (const key of keys) {
      for (const haystack of [logged, answers.join('\n')]) {
        expect(haystack.toLowerCase()).not.toContain(key);
      }
    }
  });

  it('verifies the audit chain, and names the first row edited or deleted in SQL', async () => {
    await eventually(async () =>
      expect((await admin('get', '/api/v1/admin/audit/wallet-logs/verify')).body).toMatchObject({ valid: true }),
    );
    const ids = (await sql<{ id: string }>(`SELECT id FROM wallet_audit_logs ORDER BY id`)).map((row) => row.id);
    const edited = ids[Math.floor(ids.length / 2)];

    await sql(`UPDATE wallet_audit_logs SET details = '{"purpose":"nothing to see"}' WHERE id = $1`, [edited]);
    const afterEdit = await admin('get', '/api/v1/admin/audit/wallet-logs/verify');
    expect(afterEdit.body).toMatchObject({ valid: false, first_invalid_id: edited, reason: 'content does not match its hash' });

    await sql(`DELETE FROM wallet_audit_logs WHERE id = $1`, [ids[1]]);
    const afterDelete = await admin('get', '/api/v1/admin/audit/wallet-logs/verify');
    expect(afterDelete.body).toMatchObject({ valid: false, first_invalid_id: ids[2], reason: 'does not follow the previous row' });
  });
});
