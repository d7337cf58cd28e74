import request from 'supertest';
import { parseUnits } from 'viem';

import { SecurityEventRecorder } from '../../src/security/security-event.recorder';
import { startTestApp, type TestApp } from '../support/app';
import { havenBalanceOf } from '../support/chain';
import { TEST_ADMIN_API_KEY, withClientKeys } from '../support/config';
import { eventually } from '../support/eventually';
import { newAddress, nextKey, tokenClient } from '../token/token-client';

const PARTNER_B_KEY = 'partner-b-key-0123456789abcdef';

/**
 * Partners are tenants: each sees only its own requests and has its own idempotency keys;
 * a redemption burns only from the user's own wallet; mints stay within the amount limits.
 * The client of TEST_API_KEY is `default` (a bare key); partner-b has a named key.
 */
describe('client tenants and amount limits', () => {
  let testApp: TestApp;
  let api: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({
        ...withClientKeys(config, { client: 'partner-b', key: PARTNER_B_KEY }),
        limits: { maxMintAmountWei: parseUnits('1000', 18), dailyMintLimitPerClientWei: parseUnits('1500', 18) },
      }),
    });
    api = await tokenClient(testApp);
  });

  afterAll(() => testApp.close());

  const asB = {
    get: (path: string) => request(testApp.server).get(path).set('X-API-Key', PARTNER_B_KEY),
    post: (path: string, body: object, key = nextKey()) =>
      request(testApp.server).post(`/api/v1/token/${path}`).set('X-API-Key', PARTNER_B_KEY).set('Idempotency-Key', key).send(body),
  };
  const securityEvents = async (kind: string): Promise<Array<{ actor: string; count: number; details: Record<string, string> }>> => {
    await testApp.app.get(SecurityEventRecorder).flush();
    return api.sql(`SELECT actor, count, details FROM security_events WHERE kind = $1 ORDER BY id`, [kind]);
  };

  describe('client A and client B', () => {
    it('each read only their own transactions; the admin API reads both', async () => {
      const mine = await api.post('mint', api.mintBody({ userId: 'shared-user' }));
      const theirs = await asB.post('mint', api.mintBody({ userId: 'shared-user' }));
      expect([mine.status, theirs.status]).toEqual([202, 202]);
      expect([mine.body.clientId, theirs.body.clientId]).toEqual(['default', 'partner-b']);

      const bReadsA = await asB.get(`/api/v1/transactions/${mine.body.txId}`);
      expect([bReadsA.status, bReadsA.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
      expect((await asB.get(`/api/v1/transactions/${theirs.body.txId}`)).status).toBe(200);

      const bList = await asB.get('/api/v1/transactions?userId=shared-user');
      expect(bList.body.items.map((item: { txId: string }) => item.txId)).toEqual([theirs.body.txId]);
      const aList = await api.get('/api/v1/transactions?userId=shared-user');
      expect(aList.body.items.map((item: { txId: string }) => item.txId)).toEqual([mine.body.txId]);

      const admin = (path: string) => request(testApp.server).get(path).set('X-API-Key', TEST_ADMIN_API_KEY);
      const all = await admin('/api/v1/admin/transactions?userId=shared-user');
      expect(all.body.items.map((item: { txId: string }) => item.txId).sort()).toEqual([mine.body.txId, theirs.body.txId].sort());
      const onlyB = await admin('/api/v1/admin/transactions?userId=shared-user&clientId=partner-b');
      expect(onlyB.body.items.map((item: { txId: string }) => item.txId)).toEqual([theirs.body.txId]);
      expect((await admin(`/api/v1/admin/transactions/${mine.body.txId}`)).body.clientId).toBe('default');
    });

    it('have idempotency keys of their own: the same key from B is a new request, not A’s', async () => {
      const key = nextKey();
      const fromA = await api.post('mint', api.mintBody({ userId: 'key-sharer' }), key);
      const differentBodyFromB = await asB.post('mint', api.mintBody({ userId: 'key-sharer', amount: '99' }), key);
      const sameBodyFromB = await asB.post('mint', { ...api.mintBody({ userId: 'other' }) }, key);

      expect(fromA.status).toBe(202);
      // Neither a DUPLICATE_TRANSACTION conflict (which would reveal A used the key) nor A's row.
      expect(differentBodyFromB.status).toBe(202);
      expect(differentBodyFromB.body.txId).not.toBe(fromA.body.txId);
      expect(differentBodyFromB.body.clientId).toBe('partner-b');
      // B's own second use of its key with another body is B's conflict, as before.
      expect([sameBodyFromB.status, sameBodyFromB.body.error]).toEqual([409, 'DUPLICATE_TRANSACTION']);
      const rows = await api.sql<{ client_id: string }>(
        `SELECT client_id FROM transactions WHERE idempotency_key = $1 ORDER BY client_id`,
        [key],
      );
      expect(rows.map((row) => row.client_id)).toEqual(['default', 'partner-b']);
    });
  });

  describe('redemptions', () => {
    it('from an address that is not the user’s answer 403 ADDRESS_NOT_OWNED, store nothing and burn nothing', async () => {
      const victim = newAddress();
      await api.fund(victim, '40');
      await api.addCustodialWallet('thief');
      const before = await api.rowCount();

      const response = await api.post('redeem', { userId: 'thief', from: victim, amount: '40', reason: 'shop' });

      expect([response.status, response.body.error]).toEqual([403, 'ADDRESS_NOT_OWNED']);
      expect(await api.rowCount()).toBe(before);
      // Drain the pipeline with a request that must confirm: had anything been queued for the
      // victim, it would have been sent before or with it.
      const marker = await api.post('mint', api.mintBody({ userId: 'marker' }));
      await eventually(async () => expect((await api.get(`/api/v1/transactions/${marker.body.txId}`)).body.status).toBe('confirmed'));
      expect(await havenBalanceOf(testApp.chain, victim)).toBe(parseUnits('40', 18));
      expect(await securityEvents('redeem_address_refused')).toEqual([
        { actor: 'client:default', count: 1, details: { user_id: 'thief', address: victim } },
      ]);
    });

    it('from the user’s rotated wallet are accepted: it may still hold their HAVEN', async () => {
      const old = await api.addCustodialWallet('rotating-holder');
      await api.fund(old, '5');
      await api.sql(`UPDATE wallet_custody SET status = 'rotated' WHERE wallet_id = 'rotating-holder'`);
      await api.addCustodialWallet('rotating-holder');

      const response = await api.post('redeem', { userId: 'rotating-holder', from: old, amount: '5', reason: 'shop' });

      expect([response.status, response.body.address]).toEqual([202, old]);
    });

    it('accepted before the wallet was revoked are still answered, unchanged, to a retry', async () => {
      const holder = await api.addCustodialWallet('revoked-after-redeem');
      await api.fund(holder, '5');
      const body = { userId: 'revoked-after-redeem', from: holder, amount: '1', reason: 'shop' };
      const key = nextKey();
      const original = await api.post('redeem', body, key);
      await api.sql(`UPDATE wallet_custody SET status = 'revoked' WHERE wallet_id = 'revoked-after-redeem'`);

      const retry = await api.post('redeem', body, key);
      const fresh = await api.post('redeem', body);

      expect([original.status, retry.status, retry.body.txId]).toEqual([202, 202, original.body.txId]);
      expect([fresh.status, fresh.body.error]).toEqual([403, 'ADDRESS_NOT_OWNED']);
    });

    it('from a revoked wallet are refused', async () => {
      const revoked = await api.addCustodialWallet('revoked-holder');
      await api.fund(revoked, '5');
      await api.sql(`UPDATE wallet_custody SET status = 'revoked' WHERE wallet_id = 'revoked-holder'`);

      const response = await api.post('redeem', { userId: 'revoked-holder', from: revoked, amount: '5', reason: 'shop' });

      expect([response.status, response.body.error]).toEqual([403, 'ADDRESS_NOT_OWNED']);
    });
  });

  describe('amount limits', () => {
    it('a mint above MAX_MINT_AMOUNT answers 422 MINT_AMOUNT_ABOVE_MAXIMUM, writes nothing, and is recorded', async () => {
      const before = await api.rowCount();
      // The classic mistake: wei where whole tokens were meant.
      const response = await asB.post('mint', api.mintBody({ amount: '12500000000000000000' }));

      expect([response.status, response.body.error, response.body.details.maximum]).toEqual([422, 'MINT_AMOUNT_ABOVE_MAXIMUM', '1000']);
      expect(await api.rowCount()).toBe(before);
      expect(await securityEvents('mint_limit_exceeded')).toContainEqual(
        expect.objectContaining({ actor: 'client:partner-b', details: expect.objectContaining({ limit: 'per_request' }) }),
      );
    });

    it('a client’s mints past its daily limit answer 422 DAILY_MINT_LIMIT_EXCEEDED; another client is unaffected; retries are free', async () => {
      const limited = 'daily-limited';
      // partner-b has minted 12.5 + 99 + 12.5 above; 1300 more in two requests fits, 200 more does not.
      const key = nextKey();
      const firstBody = api.mintBody({ userId: limited, amount: '1000' });
      const first = await asB.post('mint', firstBody, key);
      const second = await asB.post('mint', api.mintBody({ userId: limited, amount: '300' }));
      const before = await api.rowCount();
      const over = await asB.post('mint', api.mintBody({ userId: limited, amount: '200' }));
      const afterRefusal = await api.rowCount();
      const retryOfFirst = await asB.post('mint', firstBody, key);
      const otherClient = await api.post('mint', api.mintBody({ userId: limited, amount: '1000' }));

      expect([first.status, second.status]).toEqual([202, 202]);
      expect([over.status, over.body.error]).toEqual([422, 'DAILY_MINT_LIMIT_EXCEEDED']);
      expect(afterRefusal).toBe(before);
      expect([retryOfFirst.status, retryOfFirst.body.txId]).toEqual([202, first.body.txId]);
      expect(otherClient.status).toBe(202);
    });
  });
});
