import { parseUnits, zeroAddress, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import request from 'supertest';

import { havenAbi } from '../../src/chain/haven.abi';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';

const newAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;
let keys = 0;
const nextKey = () => `key-${Date.now()}-${++keys}`;

describe('token API', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(() => testApp.close());

  const rowCount = () =>
    withClient(testApp.database.url, async (client) => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions')).rows[0].n);
  const post = (path: string, body: object, key: string | null = nextKey()) => {
    const call = request(testApp.server).post(`/api/v1/token/${path}`).set('X-API-Key', TEST_API_KEY);
    return (key === null ? call : call.set('Idempotency-Key', key)).send(body);
  };
  const mintBody = (overrides: object = {}) => ({ userId: 'guest-1', to: newAddress(), amount: '12.5', reason: 'hotel stay', ...overrides });

  describe('authentication', () => {
    it.each([
      ['no key', undefined],
      ['a wrong key', 'wrong-key-0123456789abcdef'],
      ['the admin key', TEST_ADMIN_API_KEY],
    ])('refuses %s with 401 INVALID_API_KEY', async (_name, key) => {
      const call = request(testApp.server).get(`/api/v1/token/balance/${newAddress()}`);
      const response = await (key === undefined ? call : call.set('X-API-Key', key));

      expect(response.status).toBe(401);
      expect(response.body.error).toBe('INVALID_API_KEY');
    });
  });

  it('accepts a mint with 202, stores it, and returns the same transaction for a retry', async () => {
    const body = mintBody();
    const key = nextKey();
    const before = await rowCount();
    const first = await post('mint', body, key);
    const retry = await post('mint', body, key);

    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ kind: 'mint', userId: 'guest-1', address: body.to, amount: '12.5', amountWei: parseUnits('12.5', 18).toString() });
    expect(['queued', 'signed', 'submitted', 'confirmed']).toContain(first.body.status);
    expect(retry.status).toBe(202);
    expect(retry.body.txId).toBe(first.body.txId);
    expect(await rowCount()).toBe(before + 1);
  });

  it('refuses a reused key with a different body as DUPLICATE_TRANSACTION, writing nothing', async () => {
    const key = nextKey();
    await post('mint', mintBody(), key);
    const before = await rowCount();
    const response = await post('mint', mintBody({ amount: '13' }), key);

    expect(response.status).toBe(409);
    expect(response.body.error).toBe('DUPLICATE_TRANSACTION');
    expect(await rowCount()).toBe(before);
  });

  describe('bad input answers with a stable code and writes no row', () => {
    it.each([
      ['a malformed address', { to: '0x1234' }, 400, 'INVALID_ADDRESS'],
      ['the zero address', { to: zeroAddress }, 400, 'INVALID_ADDRESS'],
      ['a zero amount', { amount: '0' }, 400, 'INVALID_AMOUNT'],
      ['a negative amount', { amount: '-1' }, 400, 'INVALID_AMOUNT'],
      ['a non-numeric amount', { amount: 'ten' }, 400, 'INVALID_AMOUNT'],
      ['too many decimals', { amount: '1.0000000000000000001' }, 400, 'INVALID_AMOUNT'],
      ['an exponent', { amount: '1e3' }, 400, 'INVALID_AMOUNT'],
      ['an amount over uint256', { amount: '9'.repeat(80) }, 400, 'INVALID_AMOUNT'],
      ['an amount given as a number', { amount: 5 }, 400, 'VALIDATION_ERROR'],
      ['an unknown field', { extra: true }, 400, 'VALIDATION_ERROR'],
      ['a missing userId', { userId: undefined }, 400, 'VALIDATION_ERROR'],
      ['an oversize reason', { reason: 'x'.repeat(300) }, 400, 'VALIDATION_ERROR'],
      ['an oversize body', { reason: 'x'.repeat(20_000) }, 413, 'PAYLOAD_TOO_LARGE'],
    ])('%s', async (_name, overrides, status, code) => {
      const before = await rowCount();
      const response = await post('mint', mintBody(overrides));

      expect(response.status).toBe(status);
      expect(response.body.error).toBe(code);
      expect(await rowCount()).toBe(before);
    });

    it('a missing or malformed Idempotency-Key', async () => {
      const before = await rowCount();
      const missing = await post('mint', mintBody(), null);
      const malformed = await post('mint', mintBody(), 'has spaces in it');

      expect([missing.status, missing.body.error]).toEqual([400, 'MISSING_IDEMPOTENCY_KEY']);
      expect([malformed.status, malformed.body.error]).toEqual([400, 'MISSING_IDEMPOTENCY_KEY']);
      expect(await rowCount()).toBe(before);
    });
  });

  it('mints to the user’s custodial wallet when `to` is omitted, and refuses when there is none', async () => {
    const custodial = newAddress();
    await withClient(testApp.database.url, (client) =>
      client.query(
        `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_scheme, key_version, status)
         VALUES ('guest-custodial', $1, 'gAAAA-test', 'fernet', 1, 'active')`,
        [custodial.toLowerCase()],
      ),
    );

    const withWallet = await post('mint', mintBody({ userId: 'guest-custodial', to: undefined }));
    const without = await post('mint', mintBody({ userId: 'guest-without-wallet', to: undefined }));

    expect(withWallet.status).toBe(202);
    expect(withWallet.body.address).toBe(custodial);
    expect([without.status, without.body.error]).toEqual([404, 'WALLET_NOT_FOUND']);
  });

  it('refuses a redemption above the holder’s balance and accepts one within it', async () => {
    const holder = newAddress();
    const hash = await testApp.chain.backendWallet.writeContract({
      address: testApp.chain.contractAddress,
      abi: havenAbi,
      functionName: 'mint',
      args: [holder, parseUnits('10', 18), 'setup'],
    });
    await testApp.chain.publicClient.waitForTransactionReceipt({ hash });

    const tooMuch = await post('redeem', { userId: 'guest-2', from: holder, amount: '10.5', reason: 'shop' });
    const fine = await post('redeem', { userId: 'guest-2', from: holder, amount: '6', reason: 'shop' });
    const overPending = await post('redeem', { userId: 'guest-2', from: holder, amount: '5', reason: 'shop again' });
    const balance = await request(testApp.server).get(`/api/v1/token/balance/${holder.toLowerCase()}`).set('X-API-Key', TEST_API_KEY);

    expect([tooMuch.status, tooMuch.body.error]).toEqual([422, 'INSUFFICIENT_BALANCE']);
    expect([fine.status, fine.body.kind]).toEqual([202, 'burn']);
    expect([overPending.status, overPending.body.error]).toEqual([422, 'INSUFFICIENT_BALANCE']);
    expect(balance.body.address).toBe(holder);
    expect(['10', '4']).toContain(balance.body.balance);
  });

  it('reads a transaction by id and answers 404 for unknown or malformed ids', async () => {
    const created = await post('mint', mintBody());
    const found = await request(testApp.server).get(`/api/v1/transactions/${created.body.txId}`).set('X-API-Key', TEST_API_KEY);
    const unknown = await request(testApp.server).get(`/api/v1/transactions/${crypto.randomUUID()}`).set('X-API-Key', TEST_API_KEY);
    const malformed = await request(testApp.server).get('/api/v1/transactions/not-a-uuid').set('X-API-Key', TEST_API_KEY);

    expect(found.status).toBe(200);
    expect(found.body.txId).toBe(created.body.txId);
    expect([unknown.status, unknown.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
    expect([malformed.status, malformed.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
  });

  it('lists a user’s transactions newest first, page by page, each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await post('mint', mintBody({ userId: 'lister', amount: String(i + 1) }))).body.txId);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(testApp.server)
        .get('/api/v1/transactions')
        .query({ userId: 'lister', limit: 3, ...(cursor ? { cursor } : {}) })
        .set('X-API-Key', TEST_API_KEY);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { txId: string }) => item.txId));
      cursor = page.body.nextCursor;
    } while (cursor !== null);

    expect(seen).toEqual([...ids].reverse());
    const bad = await request(testApp.server).get('/api/v1/transactions').query({ status: 'lost' }).set('X-API-Key', TEST_API_KEY);
    expect([bad.status, bad.body.error]).toEqual([400, 'VALIDATION_ERROR']);
  });
});
