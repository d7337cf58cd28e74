import request from 'supertest';
import { parseUnits, zeroAddress } from 'viem';

import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { nextKey, tokenClient } from './token-client';

/** POST /api/v1/token/mint and /redeem: what is accepted, what is refused, and that refusals write nothing. */
describe('token API: mint and redeem', () => {
  let testApp: TestApp;
  let api: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    testApp = await startTestApp();
    api = await tokenClient(testApp);
  });

  afterAll(() => testApp.close());

  describe('authentication', () => {
    it.each([
      ['no key', undefined],
      ['a wrong key', 'wrong-key-0123456789abcdef'],
      ['the admin key', TEST_ADMIN_API_KEY],
    ])('refuses %s with 401 INVALID_API_KEY and writes nothing', async (_name, key) => {
      const before = await api.rowCount();
      const call = request(testApp.server).post('/api/v1/token/mint').set('Idempotency-Key', nextKey());
      const response = await (key === undefined ? call : call.set('X-API-Key', key)).send(api.mintBody());

      expect([response.status, response.body.error]).toEqual([401, 'INVALID_API_KEY']);
      expect(await api.rowCount()).toBe(before);
    });
  });

  it('accepts a mint with 202, stores it, and returns the same transaction for a retry', async () => {
    const body = api.mintBody();
    const key = nextKey();
    const before = await api.rowCount();
    const first = await api.post('mint', body, key);
    const retry = await api.post('mint', body, key);

    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      kind: 'mint',
      userId: 'guest-1',
      address: body.to,
      amount: '12.5',
      amountWei: parseUnits('12.5', 18).toString(),
    });
    expect(['queued', 'signed', 'submitted', 'confirmed']).toContain(first.body.status);
    expect([retry.status, retry.body.txId]).toEqual([202, first.body.txId]);
    expect(await api.rowCount()).toBe(before + 1);
  });

  it('stores one row for concurrent retries of one request', async () => {
    const body = api.mintBody();
    const key = nextKey();
    const before = await api.rowCount();
    const responses = await Promise.all(Array.from({ length: 8 }, () => api.post('mint', body, key)));

    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(202));
    expect(new Set(responses.map((response) => response.body.txId)).size).toBe(1);
    expect(await api.rowCount()).toBe(before + 1);
  });

  it('refuses a reused key with a different body as 409 DUPLICATE_TRANSACTION, writing nothing', async () => {
    const key = nextKey();
    await api.post('mint', api.mintBody(), key);
    const before = await api.rowCount();
    const response = await api.post('mint', api.mintBody({ amount: '13' }), key);

    expect([response.status, response.body.error]).toEqual([409, 'DUPLICATE_TRANSACTION']);
    expect(await api.rowCount()).toBe(before);
  });

  describe('bad input answers with a stable code and writes no row', () => {
    it.each([
      ['a malformed address', { to: '0x1234' }, 400, 'INVALID_ADDRESS'],
      ['the zero address', { to: zeroAddress }, 400, 'INVALID_ADDRESS'],
      ['a zero amount', { amount: '0' }, 400, 'INVALID_AMOUNT'],
      ['a negative amount', { amount: '-1' }, 400, 'INVALID_AMOUNT'],
      ['a non-numeric amount', { amount: 'abc' }, 400, 'INVALID_AMOUNT'],
      ['too many decimals', { amount: '1.0000000000000000001' }, 400, 'INVALID_AMOUNT'],
      ['an exponent', { amount: '1e3' }, 400, 'INVALID_AMOUNT'],
      ['an amount over uint256', { amount: '9'.repeat(80) }, 400, 'INVALID_AMOUNT'],
      ['an amount given as a number', { amount: 5 }, 400, 'VALIDATION_ERROR'],
      ['an unknown field', { extra: true }, 400, 'VALIDATION_ERROR'],
      ['a missing userId', { userId: undefined }, 400, 'VALIDATION_ERROR'],
      ['an oversize reason', { reason: 'x'.repeat(300) }, 400, 'VALIDATION_ERROR'],
      // Refused by the body parser before any handler runs.
      ['an oversize body (> 16 KiB)', { reason: 'x'.repeat(20_000) }, 400, 'PAYLOAD_TOO_LARGE'],
    ])('%s', async (_name, overrides, status, code) => {
      const before = await api.rowCount();
      const response = await api.post('mint', api.mintBody(overrides));

      expect([response.status, response.body.error]).toEqual([status, code]);
      expect(await api.rowCount()).toBe(before);
    });

    it.each([
      ['missing', null],
      ['malformed', 'has spaces in it'],
      ['too long', 'k'.repeat(256)],
    ])('a %s Idempotency-Key answers 400 MISSING_IDEMPOTENCY_KEY', async (_name, key) => {
      const before = await api.rowCount();
      const response = await api.post('mint', api.mintBody(), key);

      expect([response.status, response.body.error]).toEqual([400, 'MISSING_IDEMPOTENCY_KEY']);
      expect(await api.rowCount()).toBe(before);
    });
  });

  describe('the user’s custodial wallet, when no address is given', () => {
    it('is where the mint goes', async () => {
      const custodial = await api.addCustodialWallet('guest-custodial');
      const response = await api.post('mint', api.mintBody({ userId: 'guest-custodial', to: undefined }));

      expect([response.status, response.body.address]).toEqual([202, custodial]);
    });

    it('missing answers 404 WALLET_NOT_FOUND and writes nothing', async () => {
      const before = await api.rowCount();
      const response = await api.post('mint', api.mintBody({ userId: 'guest-without-wallet', to: undefined }));

      expect([response.status, response.body.error]).toEqual([404, 'WALLET_NOT_FOUND']);
      expect(await api.rowCount()).toBe(before);
    });

    it('rotated after the request still lets a retry find the original transaction', async () => {
      const first = await api.addCustodialWallet('guest-rotating');
      const body = api.mintBody({ userId: 'guest-rotating', to: undefined });
      const key = nextKey();
      const original = await api.post('mint', body, key);
      await api.sql(`UPDATE wallet_custody SET status = 'rotated' WHERE wallet_id = 'guest-rotating'`);
      await api.addCustodialWallet('guest-rotating');
      const retry = await api.post('mint', body, key);

      expect([retry.status, retry.body.txId, retry.body.address]).toEqual([202, original.body.txId, first]);
    });
  });

  describe('redemptions', () => {
    it('are refused beyond the balance less the redemptions in flight', async () => {
      const holder = await api.addCustodialWallet('guest-2');
      await api.fund(holder, '10');
      const redeem = (amount: string, key = nextKey()) =>
        api.post('redeem', { userId: 'guest-2', from: holder, amount, reason: 'shop' }, key);

      const tooMuch = await redeem('10.5');
      const fine = await redeem('6');
      const overPending = await redeem('5');

      expect([tooMuch.status, tooMuch.body.error]).toEqual([422, 'INSUFFICIENT_BALANCE']);
      expect([fine.status, fine.body.kind, fine.body.address]).toEqual([202, 'burn', holder]);
      expect([overPending.status, overPending.body.error]).toEqual([422, 'INSUFFICIENT_BALANCE']);
    });

    it('sent concurrently never add up to more than the balance', async () => {
      const holder = await api.addCustodialWallet('guest-3');
      await api.fund(holder, '10');
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => api.post('redeem', { userId: 'guest-3', from: holder, amount: '4', reason: 'shop' })),
      );

      expect(responses.map((response) => response.status).sort()).toEqual([202, 202, 422, 422, 422]);
    });

    it('retried after the balance is spoken for return the original, not INSUFFICIENT_BALANCE', async () => {
      const holder = await api.addCustodialWallet('guest-4');
      await api.fund(holder, '3');
      const body = { userId: 'guest-4', from: holder, amount: '3', reason: 'shop' };
      const key = nextKey();
      const responses = await Promise.all([api.post('redeem', body, key), api.post('redeem', body, key)]);

      expect(responses.map((response) => response.status)).toEqual([202, 202]);
      expect(responses[1].body.txId).toBe(responses[0].body.txId);
    });
  });
});
