import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { requests } from '../support/pipeline-harness';
import { nextKey, tokenClient } from '../token/token-client';
import { CALLBACK_SECRET } from './callback-expectations';
import { deliveryRows } from './callback-rows';

const SPA_KEY = 'spa-client-key-0123456789abcdef0';
const PARTNER_TOKEN = 'partner-token-5ecret';

describe('callback URLs: where a request’s status callbacks may go, and the admin’s delivery log', () => {
  let receiver: CallbackReceiver;
  let testApp: TestApp;
  let client: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        security: { ...config.security, clientKeys: [...config.security.clientKeys, { client: 'spa', key: SPA_KEY }] },
        callbacks: { default: { url: receiver.url(`/haven?token=${PARTNER_TOKEN}`), secret: CALLBACK_SECRET } },
      }),
    });
    client = await tokenClient(testApp);
  });

  afterAll(async () => {
    await testApp?.close();
    await receiver?.close();
  });

  const storedUrl = async (txId: string) =>
    (await client.sql<{ callback_url: string | null }>('SELECT callback_url FROM transactions WHERE id = $1', [txId]))[0].callback_url;
  const admin = (path: string) => request(testApp.server).get(`/api/v1/admin/callbacks${path}`).set('X-API-Key', TEST_ADMIN_API_KEY);
  const asSpa = (body: object) =>
    request(testApp.server).post('/api/v1/token/mint').set('X-API-Key', SPA_KEY).set('Idempotency-Key', nextKey()).send(body);

  it.each([
    ['another host', () => 'http://169.254.169.254/latest/meta-data'],
    ['another port', () => 'http://127.0.0.1:1/haven'],
    ['another scheme', () => receiver.url('/haven').replace('http://', 'https://')],
  ])('refuses a callbackUrl on %s with 422 CALLBACK_URL_NOT_ALLOWED and stores nothing', async (_case, url) => {
    const before = await client.rowCount();
    const response = await client.post('mint', client.mintBody({ callbackUrl: url() })).expect(422);
    expect(response.body.error).toBe('CALLBACK_URL_NOT_ALLOWED');
    expect(JSON.stringify(response.body)).not.toContain(PARTNER_TOKEN);
    expect(await client.rowCount()).toBe(before);
  });

  it('refuses a callbackUrl that is not an http(s) URL without credentials as a validation error', async () => {
    for (const callbackUrl of ['not a url', 'ftp://127.0.0.1/x', `http://user:pw@${receiver.origin.slice(7)}/x`, 42]) {
      const response = await client.post('mint', client.mintBody({ callbackUrl })).expect(400);
      expect(response.body.error).toBe('VALIDATION_ERROR');
    }
  });

  it('stores the registered URL, or a request’s own on the same origin, and keeps the first on a retry', async () => {
    const plain = await client.post('mint', client.mintBody()).expect(202);
    expect(await storedUrl(plain.body.txId)).toBe(receiver.url(`/haven?token=${PARTNER_TOKEN}`));

    const key = nextKey();
    const body = client.mintBody({ callbackUrl: receiver.url('/orders/81') });
    const own = await client.post('mint', body, key).expect(202);
    expect(await storedUrl(own.body.txId)).toBe(receiver.url('/orders/81'));
    const retried = await client.post('mint', { ...body, callbackUrl: receiver.url('/orders/other') }, key).expect(202);
    expect(retried.body.txId).toBe(own.body.txId);
    expect(await storedUrl(own.body.txId)).toBe(receiver.url('/orders/81'));
    await requests(testApp).waitFor([plain.body.txId, own.body.txId], 'confirmed');
  });

  it('sends nothing for a client without a registered URL, and refuses it any callbackUrl', async () => {
    const refused = await asSpa(client.mintBody({ callbackUrl: receiver.url('/haven') })).expect(422);
    expect(refused.body.error).toBe('CALLBACK_URL_NOT_ALLOWED');

    const accepted = await asSpa(client.mintBody()).expect(202);
    await requests(testApp).waitFor([accepted.body.txId], 'confirmed');

    expect(await storedUrl(accepted.body.txId)).toBeNull();
    expect(await deliveryRows(testApp.database.url, [accepted.body.txId])).toEqual([]);
    expect((await client.sql<{ n: number }>(`SELECT count(*)::int AS n FROM callback_deliveries WHERE client_id = 'spa'`))[0].n).toBe(0);
    expect(receiver.received.filter((c) => c.body.txId === accepted.body.txId)).toEqual([]);
  });

  it('takes a 400 from the receiver as final: no retry, shown in the admin log by origin only, and redeliverable', async () => {
    receiver.answerWith(({ path }) => (path.startsWith('/rejects') ? 400 : 204));
    const { body } = await client
      .post('mint', client.mintBody({ callbackUrl: receiver.url(`/rejects?token=${PARTNER_TOKEN}`) }))
      .expect(202);
    await requests(testApp).waitFor([body.txId], 'confirmed');
    // A final failure does not hold the transaction's later events back: each is tried, once.
    const failed = await receiver.until((all) => {
      const mine = all.filter((c) => c.body.txId === body.txId);
      return mine.some((c) => c.body.status === 'confirmed') && mine;
    });
    await eventually(async () =>
      expect(
        (await deliveryRows(testApp.database.url, [body.txId])).map((row) => [row.id, row.status, row.attempts, row.last_error]),
      ).toEqual(failed.map((c) => [c.deliveryId, 'failed', 1, 'HTTP 400'])),
    );
    expect(failed.map((c) => c.deliveryId)).toEqual([...new Set(failed.map((c) => c.deliveryId))]);

    const page = await admin(`?txId=${body.txId}&status=failed`).expect(200);
    expect(page.body.items).toHaveLength(failed.length);
    expect(page.body.items[0]).toMatchObject({
      txId: body.txId,
      clientId: 'default',
      event: 'transaction.confirmed',
      status: 'failed',
      attempts: 1,
      lastError: 'HTTP 400',
      callbackOrigin: receiver.origin,
      nextAttemptAt: null,
      deliveredAt: null,
    });
    expect(page.text).not.toContain(PARTNER_TOKEN);
    expect(page.text).not.toContain('/rejects');

    receiver.answerWith(() => 204);
    const [latest] = page.body.items as Array<{ id: string }>;
    const redelivered = await request(testApp.server)
      .post(`/api/v1/admin/callbacks/${latest.id}/redeliver`)
      .set('X-API-Key', TEST_ADMIN_API_KEY)
      .expect(200);
    expect(redelivered.body).toMatchObject({ id: latest.id, status: 'pending' });
    await receiver.until((all) => all.some((c) => c.deliveryId === latest.id && c.answeredStatus === 204));
    const again = await request(testApp.server)
      .post(`/api/v1/admin/callbacks/${latest.id}/redeliver`)
      .set('X-API-Key', TEST_ADMIN_API_KEY)
      .expect(409);
    expect(again.body.error).toBe('CALLBACK_DELIVERY_NOT_REDELIVERABLE');
    await request(testApp.server).post('/api/v1/admin/callbacks/999999999/redeliver').set('X-API-Key', TEST_ADMIN_API_KEY).expect(404);
  });

  it('pages the admin log newest first by keyset, filtered by client and status', async () => {
    const first = await admin('?clientId=default&limit=2').expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBe(first.body.items[1].id);
    const second = await admin(`?clientId=default&limit=2&cursor=${first.body.nextCursor}`).expect(200);
    const ids = [...first.body.items, ...second.body.items].map((item: { id: string }) => BigInt(item.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await admin('?clientId=spa').expect(200)).body).toEqual({ items: [], nextCursor: null });
    const delivered = await admin('?status=delivered&limit=100').expect(200);
    expect(delivered.body.items.every((item: { status: string }) => item.status === 'delivered')).toBe(true);
    expect((await admin('?status=lost').expect(400)).body.error).toBe('VALIDATION_ERROR');
    expect((await request(testApp.server).get('/api/v1/admin/callbacks').set('X-API-Key', SPA_KEY).expect(401)).body.error).toBe(
      'INVALID_API_KEY',
    );
  });
});
