import request from 'supertest';
import type { Address } from 'viem';

import { startTestApp, type TestApp } from '../support/app';
import { havenBalanceOf } from '../support/chain';
import { TEST_API_KEY, withClientKeys } from '../support/config';
import { eventually } from '../support/eventually';
import { nextKey, tokenClient } from './token-client';

const OTHER_CLIENT_KEY = 'other-partner-key-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WEI = 10n ** 18n;

/**
 * The Python backend's client routes, called exactly as its partner apps call them: the JSON
 * text a Python client sends (amounts as JSON numbers), answered in the Python backend's
 * shapes, on this service's keys, tenancy, limits and pipeline.
 */
describe('Python backend client routes: POST /token/mint, POST /token/redeem, GET /token/balance/{user_id}', () => {
  let testApp: TestApp;
  let api: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => withClientKeys(config, { client: 'other-partner', key: OTHER_CLIENT_KEY }),
    });
    api = await tokenClient(testApp);
  });

  afterAll(() => testApp.close());

  /** POSTs the JSON text as it is, byte for byte, as a Python client's `requests.post(data=…)` would. */
  const sendJson = (path: string, text: string, key: string | null = TEST_API_KEY) => {
    const call = request(testApp.server).post(path).set('Content-Type', 'application/json');
    return (key === null ? call : call.set('X-API-Key', key)).send(text);
  };
  const confirmed = (txId: string) =>
    eventually(async () => {
      const response = await api.get(`/api/v1/transactions/${txId}`);
      expect(response.body.status).toBe('confirmed');
      return response.body as { amountWei: string; address: Address; kind: string; reason: string };
    });
  const walletsOf = async (userId: string) =>
    (await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM wallet_custody WHERE wallet_id = $1', [userId]))[0].n;

  describe('POST /token/mint', () => {
    it('mints exactly 12345678901234567891 wei for "amount": 12.345678901234567891, to the wallet opened for a new user', async () => {
      const response = await sendJson('/token/mint', '{"user_id": "guest-42", "amount": 12.345678901234567891, "reason": "stay reward"}');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'queued', tx_id: expect.stringMatching(UUID), message: expect.any(String) });
      const minted = await confirmed(response.body.tx_id);
      expect(minted.amountWei).toBe('12345678901234567891');
      expect(await havenBalanceOf(testApp.chain, minted.address)).toBe(12_345_678_901_234_567_891n);
      // The wallet was opened through custody: sealed and audited, naming the client that caused it.
      const [wallet] = await api.sql<{ wallet_address: string }>(
        `SELECT wallet_address FROM wallet_custody WHERE wallet_id = 'guest-42' AND status = 'active'`,
      );
      expect(wallet.wallet_address).toBe(minted.address.toLowerCase());
      const audit = await api.sql<{ actor: string }>(
        `SELECT actor FROM wallet_audit_logs WHERE wallet_id = 'guest-42' AND action = 'wallet_created'`,
      );
      expect(audit).toEqual([{ actor: 'client:default' }]);
    });

    it('answers a repeat with the same idempotency_key as "duplicate" with the first tx_id, and mints once', async () => {
      const holder = await api.addCustodialWallet('guest-dup');
      const text = `{"user_id": "guest-dup", "amount": 3.5, "reason": "stay reward", "idempotency_key": "${nextKey()}"}`;
      const before = await api.rowCount();
      const first = await sendJson('/token/mint', text);
      const repeat = await sendJson('/token/mint', text);

      expect([first.status, first.body.status]).toEqual([200, 'queued']);
      expect(repeat.status).toBe(200);
      expect(repeat.body).toEqual({ status: 'duplicate', tx_id: first.body.tx_id, message: expect.any(String) });
      expect(await api.rowCount()).toBe(before + 1);
      await confirmed(first.body.tx_id);
      expect(await havenBalanceOf(testApp.chain, holder)).toBe(35n * 10n ** 17n);
    });

    it('treats each call without an idempotency_key as a new mint, as the Python backend did', async () => {
      await api.addCustodialWallet('guest-twice');
      const text = '{"user_id": "guest-twice", "amount": 1, "reason": "daily check-in"}';
      const before = await api.rowCount();
      const [first, second] = [await sendJson('/token/mint', text), await sendJson('/token/mint', text)];

      expect([first.body.status, second.body.status]).toEqual(['queued', 'queued']);
      expect(second.body.tx_id).not.toBe(first.body.tx_id);
      expect(await api.rowCount()).toBe(before + 2);
    });

    it.each([
      ['1e-05', '10000000000000'],
      ['1E3', '1000000000000000000000'],
      ['"2.5"', '2500000000000000000'],
    ])('reads "amount": %s exactly (%s wei): exponents that are exact, and plain decimal strings', async (amount, wei) => {
      await api.addCustodialWallet(`guest-form-${wei}`);
      const response = await sendJson('/token/mint', `{"user_id": "guest-form-${wei}", "amount": ${amount}, "reason": "stay reward"}`);
      const [row] = await api.sql<{ amount: string }>('SELECT amount::text AS amount FROM transactions WHERE id = $1', [
        response.body.tx_id,
      ]);

      expect([response.status, row.amount]).toEqual([200, wei]);
    });

    it('refuses a reused idempotency_key with another body as 409 DUPLICATE_TRANSACTION, like the modern route', async () => {
      await api.addCustodialWallet('guest-reuse');
      const key = nextKey();
      await sendJson('/token/mint', `{"user_id": "guest-reuse", "amount": 1, "reason": "stay", "idempotency_key": "${key}"}`);
      const before = await api.rowCount();
      const reused = await sendJson(
        '/token/mint',
        `{"user_id": "guest-reuse", "amount": 2, "reason": "stay", "idempotency_key": "${key}"}`,
      );

      expect([reused.status, reused.body.error]).toEqual([409, 'DUPLICATE_TRANSACTION']);
      expect(await api.rowCount()).toBe(before);
    });

    it('refuses a new user’s mint above MAX_MINT_AMOUNT with 422 and opens no wallet for it', async () => {
      const response = await sendJson('/token/mint', '{"user_id": "guest-too-much", "amount": 2000000, "reason": "stay reward"}');

      expect([response.status, response.body.error]).toEqual([422, 'MINT_AMOUNT_ABOVE_MAXIMUM']);
      expect(await walletsOf('guest-too-much')).toBe(0);
    });

    it('refuses a mint for a user whose wallet was revoked with 409 WALLET_REVOKED, opening no new wallet', async () => {
      await api.addCustodialWallet('guest-revoked');
      await api.sql(`UPDATE wallet_custody SET status = 'revoked', revoked_at = now() WHERE wallet_id = 'guest-revoked'`);
      const before = await api.rowCount();
      const response = await sendJson('/token/mint', '{"user_id": "guest-revoked", "amount": 1, "reason": "stay reward"}');

      expect([response.status, response.body.error]).toEqual([409, 'WALLET_REVOKED']);
      expect([await walletsOf('guest-revoked'), await api.rowCount()]).toEqual([1, before]);
    });
  });

  describe('bad amounts answer 400 INVALID_AMOUNT, in this service’s error body, and write nothing', () => {
    it.each([
      ['1e-19', '1e-19'],
      ['negative', '-1'],
      ['zero', '0'],
      ['a string that is no number', '"abc"'],
      ['19 decimals', '1.0000000000000000001'],
      ['beyond uint256', '9'.repeat(90)],
      ['beyond any float', '1e400'],
      ['a boolean', 'true'],
    ])('mint with %s (%s)', async (_name, amount) => {
      const before = await api.rowCount();
      const response = await sendJson('/token/mint', `{"user_id": "guest-bad-amount", "amount": ${amount}, "reason": "stay reward"}`);

      expect([response.status, response.body.error]).toEqual([400, 'INVALID_AMOUNT']);
      expect(response.body).toEqual(expect.objectContaining({ message: expect.any(String), error_id: expect.stringMatching(UUID) }));
      expect([await api.rowCount(), await walletsOf('guest-bad-amount')]).toEqual([before, 0]);
    });

    it('redeem with 19 decimals', async () => {
      await api.addCustodialWallet('guest-bad-redeem');
      const before = await api.rowCount();
      const response = await sendJson(
        '/token/redeem',
        `{"user_id": "guest-bad-redeem", "amount": 0.0000000000000000001, "withdrawal_method": "bank", "idempotency_key": "${nextKey()}"}`,
      );

      expect([response.status, response.body.error]).toEqual([400, 'INVALID_AMOUNT']);
      expect(await api.rowCount()).toBe(before);
    });
  });

  describe('POST /token/redeem', () => {
    it('burns exactly the JSON number’s amount from the user’s wallet, keeping the withdrawal in the reason', async () => {
      const holder = await api.addCustodialWallet('guest-redeem');
      await api.fund(holder, '20');
      const key = nextKey();
      const text =
        '{"user_id": "guest-redeem", "amount": 7.000000000000000001, "withdrawal_method": "bank_transfer", ' +
        `"withdrawal_address": "payout-ref-8812", "idempotency_key": "${key}"}`;
      const first = await sendJson('/token/redeem', text);
      const repeat = await sendJson('/token/redeem', text);

      expect([first.status, first.body.status]).toEqual([200, 'queued']);
      expect([repeat.status, repeat.body.status, repeat.body.tx_id]).toEqual([200, 'duplicate', first.body.tx_id]);
      const burned = await confirmed(first.body.tx_id);
      expect(burned).toMatchObject({ kind: 'burn', address: holder, reason: 'withdrawal via bank_transfer to payout-ref-8812' });
      expect(await havenBalanceOf(testApp.chain, holder)).toBe(20n * WEI - 7n * WEI - 1n);
    });

    it('refuses a redemption without idempotency_key with 400 MISSING_IDEMPOTENCY_KEY, writing nothing', async () => {
      const holder = await api.addCustodialWallet('guest-no-key');
      await api.fund(holder, '5');
      const before = await api.rowCount();
      const response = await sendJson('/token/redeem', '{"user_id": "guest-no-key", "amount": 1, "withdrawal_method": "bank_transfer"}');

      expect([response.status, response.body.error]).toEqual([400, 'MISSING_IDEMPOTENCY_KEY']);
      expect(await api.rowCount()).toBe(before);
    });

    it('refuses more than the balance with the same 422 INSUFFICIENT_BALANCE as /api/v1/token/redeem', async () => {
      const holder = await api.addCustodialWallet('guest-short');
      await api.fund(holder, '2');
      const before = await api.rowCount();
      const legacy = await sendJson(
        '/token/redeem',
        `{"user_id": "guest-short", "amount": 2.000000000000000001, "withdrawal_method": "bank", "idempotency_key": "${nextKey()}"}`,
      );
      const modern = await api.post('redeem', { userId: 'guest-short', amount: '2.000000000000000001', reason: 'shop' });

      expect([legacy.status, legacy.body.error, legacy.body.details]).toEqual([422, 'INSUFFICIENT_BALANCE', { available: '2' }]);
      expect([modern.status, modern.body.error, modern.body.details]).toEqual([422, 'INSUFFICIENT_BALANCE', { available: '2' }]);
      expect(await api.rowCount()).toBe(before);
    });

    it('answers 404 WALLET_NOT_FOUND for a user without a wallet, and opens none', async () => {
      const response = await sendJson(
        '/token/redeem',
        `{"user_id": "guest-nobody", "amount": 1, "withdrawal_method": "bank", "idempotency_key": "${nextKey()}"}`,
      );

      expect([response.status, response.body.error]).toEqual([404, 'WALLET_NOT_FOUND']);
      expect(await walletsOf('guest-nobody')).toBe(0);
    });
  });

  describe('GET /token/balance/{user_id}', () => {
    it('answers the balance of the user’s custodial wallet in the Python shape, exactly, as decimal strings', async () => {
      const holder = await api.addCustodialWallet('guest-balance');
      await api.fund(holder, '7.000000000000000025');
      const response = await api.get('/token/balance/guest-balance');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        user_id: 'guest-balance',
        wallet_address: holder,
        balance: '7.000000000000000025',
        balance_wei: '7000000000000000025',
      });
    });

    it('answers 404 WALLET_NOT_FOUND for a user without a wallet, and opens none', async () => {
      const response = await api.get('/token/balance/guest-unknown');

      expect([response.status, response.body.error]).toEqual([404, 'WALLET_NOT_FOUND']);
      expect(await walletsOf('guest-unknown')).toBe(0);
    });
  });

  describe('keys and tenancy', () => {
    it.each([
      ['POST', '/token/mint', '{"user_id": "guest-anon", "amount": 1, "reason": "stay"}'],
      ['POST', '/token/redeem', '{"user_id": "guest-anon", "amount": 1, "withdrawal_method": "bank", "idempotency_key": "k-1"}'],
      ['GET', '/token/balance/guest-anon', ''],
    ])('%s %s without a client key answers 401 INVALID_API_KEY and writes nothing', async (method, path, text) => {
      const before = await api.rowCount();
      const response = method === 'GET' ? await request(testApp.server).get(path) : await sendJson(path, text, null);

      expect([response.status, response.body.error]).toEqual([401, 'INVALID_API_KEY']);
      expect([await api.rowCount(), await walletsOf('guest-anon')]).toEqual([before, 0]);
    });

    it('keeps idempotency keys per client: another client’s same key is its own request and never sees the first', async () => {
      await api.addCustodialWallet('guest-shared-key');
      const text = `{"user_id": "guest-shared-key", "amount": 1, "reason": "stay", "idempotency_key": "${nextKey()}"}`;
      const mine = await sendJson('/token/mint', text);
      const theirs = await sendJson('/token/mint', text, OTHER_CLIENT_KEY);
      const peek = await request(testApp.server).get(`/api/v1/transactions/${mine.body.tx_id}`).set('X-API-Key', OTHER_CLIENT_KEY);

      expect([mine.body.status, theirs.body.status]).toEqual(['queued', 'queued']);
      expect(theirs.body.tx_id).not.toBe(mine.body.tx_id);
      expect([peek.status, peek.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
    });
  });

  it('counts the routes against the client’s own rate limit, one budget with the modern routes', async () => {
    const limited = await startTestApp({ config: (config) => ({ ...config, rateLimits: { ...config.rateLimits, clientPerMinute: 3 } }) });
    try {
      const get = (path: string) => request(limited.server).get(path).set('X-API-Key', TEST_API_KEY);
      const legacy = [
        await get('/token/balance/guest-flood'),
        await get('/token/balance/guest-flood'),
        await get('/token/balance/guest-flood'),
      ];
      const modern = await get(`/api/v1/token/balance/${limited.chain.backendAddress}`);

      expect(legacy.map((response) => response.status)).toEqual([404, 404, 404]);
      expect([modern.status, modern.body.error]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    } finally {
      await limited.close();
    }
  });

  it('documents the three routes as deprecated, with their request and answer schemas', async () => {
    const { body: doc } = await request(testApp.server).get('/docs/openapi.json');
    const mint = doc.paths['/token/mint'].post;
    const redeem = doc.paths['/token/redeem'].post;
    const balance = doc.paths['/token/balance/{user_id}'].get;
    const schema = (name: string) => doc.components.schemas[name] as { required: string[]; properties: Record<string, unknown> };

    expect([mint.deprecated, redeem.deprecated, balance.deprecated]).toEqual([true, true, true]);
    for (const operation of [mint, redeem, balance]) expect(operation.security).toEqual([{ 'client-key': [] }]);
    expect(mint.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PythonMintRequestDto' });
    expect(mint.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PythonTransactionResponseDto' });
    expect(balance.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PythonBalanceResponseDto' });
    expect(schema('PythonMintRequestDto').required.sort()).toEqual(['amount', 'reason', 'user_id']);
    expect(schema('PythonRedeemRequestDto').required.sort()).toEqual(['amount', 'idempotency_key', 'user_id', 'withdrawal_method']);
    expect(schema('PythonMintRequestDto').properties.amount).toMatchObject({ oneOf: [{ type: 'number' }, { type: 'string' }] });
    expect(schema('PythonMintRequestDto').properties.amount).not.toHaveProperty('type');
  });
});
