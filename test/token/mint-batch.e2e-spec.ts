import request from 'supertest';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { getAddress, parseUnits } from 'viem';

import { MINT_BATCH_BODY_LIMIT_BYTES } from '../../src/app.factory';
import { startTestApp, type TestApp } from '../support/app';
import { havenBalanceOf } from '../support/chain';
import { TEST_API_KEY, withClientKeys } from '../support/config';
import { eventually } from '../support/eventually';
import { newAddress, nextKey, tokenClient } from './token-client';

const PARTNER_B_KEY = 'partner-b-key-0123456789abcdef';
const LIMITED_KEY = 'partner-limited-key-0123456789ab';
const RACING_KEY = 'partner-racing-key-0123456789abc';

type Item = Record<string, unknown>;
interface ItemResult {
  index: number;
  idempotencyKey: string | null;
  outcome: 'created' | 'existing' | 'rejected';
  transaction?: { txId: string; status: string; address: string; amount: string };
  error?: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * POST /api/v1/token/mint/batch: each item judged as the single route judges it, in one
 * request; refused items write nothing; keys shared with the single route, per client.
 * The daily limit is 500 HAVEN per client, the maximum per mint 100.
 */
describe('bulk mint intake', () => {
  let testApp: TestApp;
  let api: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({
        ...withClientKeys(
          config,
          { client: 'partner-b', key: PARTNER_B_KEY },
          { client: 'partner-limited', key: LIMITED_KEY },
          { client: 'partner-racing', key: RACING_KEY },
        ),
        limits: { maxMintAmountWei: parseUnits('100', 18), dailyMintLimitPerClientWei: parseUnits('500', 18) },
      }),
    });
    api = await tokenClient(testApp);
  });

  afterAll(() => testApp.close());

  const postBatch = (items: unknown, apiKey = TEST_API_KEY) =>
    request(testApp.server)
      .post('/api/v1/token/mint/batch')
      .set('X-API-Key', apiKey)
      .send(items === undefined ? {} : { items });
  const item = (overrides: Item = {}): Item => ({
    idempotencyKey: nextKey(),
    userId: 'guest-1',
    to: newAddress(),
    amount: '1',
    reason: 'signup bonus',
    ...overrides,
  });
  const results = (body: { items: ItemResult[] }) => body.items;
  const codes = (body: { items: ItemResult[] }) => results(body).map((result) => result.error?.code ?? result.outcome);
  const keysStored = async (keys: unknown[]) =>
    (await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE idempotency_key = ANY($1)', [keys]))[0].n;

  it('stores the valid items of a mixed batch, refuses each invalid one with its code, and the pipeline confirms the stored ones', async () => {
    const custodial = await api.addCustodialWallet('batch-custodial-user');
    const valid = item({ amount: '2.5' });
    const toCustodial = item({ userId: 'batch-custodial-user', to: undefined });
    const invalid = [
      item({ to: '0x1234' }),
      item({ amount: '1.0000000000000000001' }),
      item({ idempotencyKey: 'has spaces' }),
      item({ reason: undefined, extra: 'field' }),
      item({ userId: 'no-wallet-user', to: undefined }),
      item({ amount: '100.5' }),
      item({ callbackUrl: 'https://elsewhere.example/hook' }),
    ];
    const before = await api.rowCount();

    const response = await postBatch([valid, ...invalid, toCustodial]);

    expect(response.status).toBe(202);
    expect(codes(response.body)).toEqual([
      'created',
      'INVALID_ADDRESS',
      'INVALID_AMOUNT',
      'MISSING_IDEMPOTENCY_KEY',
      'VALIDATION_ERROR',
      'WALLET_NOT_FOUND',
      'MINT_AMOUNT_ABOVE_MAXIMUM',
      'CALLBACK_URL_NOT_ALLOWED',
      'created',
    ]);
    expect([response.body.accepted, response.body.rejected]).toEqual([2, 7]);
    expect(results(response.body)[4].error?.details).toEqual(
      expect.arrayContaining([
        { field: 'extra', problems: ['property extra should not exist'] },
        expect.objectContaining({ field: 'reason' }),
      ]),
    );
    expect(await api.rowCount()).toBe(before + 2);
    expect(await keysStored(invalid.map((each) => (each as Item).idempotencyKey))).toBe(0);

    const [first, last] = [results(response.body)[0], results(response.body)[8]];
    expect(last.transaction?.address).toBe(custodial);
    for (const stored of [first, last]) {
      const confirmed = await eventually(
        async () => {
          const read = await api.get(`/api/v1/transactions/${stored.transaction!.txId}`);
          expect(read.body.status).toBe('confirmed');
          return read.body as { address: `0x${string}`; amountWei: string };
        },
        { timeoutMs: 60_000 },
      );
      expect(await havenBalanceOf(testApp.chain, confirmed.address)).toBe(BigInt(confirmed.amountWei));
    }
  });

  it('answers a retried batch with the same transactions as "existing" and writes nothing new', async () => {
    const batch = [item(), item({ amount: 'nope' }), item({ amount: '3' })];
    const first = await postBatch(batch);
    const rows = await api.rowCount();

    const retry = await postBatch(batch);

    expect(codes(first.body)).toEqual(['created', 'INVALID_AMOUNT', 'created']);
    expect(codes(retry.body)).toEqual(['existing', 'INVALID_AMOUNT', 'existing']);
    expect(results(retry.body).map((result) => result.transaction?.txId)).toEqual(
      results(first.body).map((result) => result.transaction?.txId),
    );
    expect(await api.rowCount()).toBe(rows);
  });

  it('refuses a stored key reused for another request with DUPLICATE_TRANSACTION naming the stored transaction', async () => {
    const original = item();
    const first = await postBatch([original]);
    const rows = await api.rowCount();

    const reused = await postBatch([{ ...original, amount: '7' }]);

    expect(codes(reused.body)).toEqual(['DUPLICATE_TRANSACTION']);
    expect(results(reused.body)[0].error?.details).toEqual({ tx_id: results(first.body)[0].transaction?.txId });
    expect(await api.rowCount()).toBe(rows);
  });

  it('shares idempotency keys with the single route, both ways', async () => {
    const { idempotencyKey: singleKey, ...singleBody } = item();
    const single = await api.post('mint', singleBody, singleKey as string);
    const batchFirst = item();
    const batch = await postBatch([
      { ...singleBody, idempotencyKey: singleKey },
      { ...singleBody, idempotencyKey: singleKey, amount: '9' },
      batchFirst,
    ]);
    const { idempotencyKey: batchKey, ...batchBody } = batchFirst;
    const singleRetry = await api.post('mint', batchBody, batchKey as string);
    const singleOther = await api.post('mint', { ...batchBody, amount: '4' }, batchKey as string);

    expect(single.status).toBe(202);
    expect(codes(batch.body)).toEqual(['existing', 'DUPLICATE_TRANSACTION', 'created']);
    expect(results(batch.body)[0].transaction?.txId).toBe(single.body.txId);
    expect([singleRetry.status, singleRetry.body.txId]).toEqual([202, results(batch.body)[2].transaction?.txId]);
    expect([singleOther.status, singleOther.body.error]).toEqual([409, 'DUPLICATE_TRANSACTION']);
  });

  it('lets the first use of a key within a batch decide: the same request again is "existing", another is refused', async () => {
    const first = item();
    const invalidFirst = item({ amount: '-1' });
    const rows = await api.rowCount();

    const response = await postBatch([
      first,
      { ...first },
      { ...first, reason: 'other reason' },
      invalidFirst,
      { ...invalidFirst, amount: '1' },
    ]);

    expect(codes(response.body)).toEqual(['created', 'existing', 'DUPLICATE_TRANSACTION', 'INVALID_AMOUNT', 'DUPLICATE_TRANSACTION']);
    expect(results(response.body)[1].transaction?.txId).toBe(results(response.body)[0].transaction?.txId);
    expect([response.body.accepted, response.body.rejected]).toEqual([2, 3]);
    expect(await api.rowCount()).toBe(rows + 1);
  });

  it('accepts 1,000 items in one request with one insert and one wallet read, whatever the number of items', async () => {
    // Half of the users have a custodial wallet and send no `to`.
    await api.sql(
      `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_scheme, key_version, status)
       SELECT 'bulk-user-' || n, '0x' || lpad(to_hex(n + 4096), 40, '0'), 'gAAAA-test', 'fernet', 1, 'active' FROM generate_series(0, 499) n`,
    );
    const batch = Array.from({ length: 1000 }, (_, index) =>
      item({ userId: `bulk-user-${index}`, amount: '0.01', ...(index < 500 ? { to: undefined } : {}) }),
    );
    const before = await api.rowCount();
    const statements = jest.spyOn(PostgresQueryRunner.prototype, 'query');

    const started = process.hrtime.bigint();
    const response = await postBatch(batch);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const sent = statements.mock.calls.map(([sql]) => sql);
    statements.mockRestore();

    expect([response.status, response.body.accepted, response.body.rejected]).toEqual([202, 1000, 0]);
    expect(new Set(results(response.body).map((result) => result.transaction?.txId)).size).toBe(1000);
    expect(results(response.body)[0].transaction?.address).toBe(getAddress(`0x${(4096).toString(16).padStart(40, '0')}`));
    expect(await api.rowCount()).toBe(before + 1000);
    expect(sent.filter((sql) => sql.includes('INSERT INTO transactions'))).toHaveLength(1);
    expect(sent.filter((sql) => sql.includes('wallet_custody'))).toHaveLength(1);
    // Generous for a shared, busy machine; the figure on an idle one is in docs/benchmarks.md.
    expect(elapsedMs).toBeLessThan(5000);
  });

  it.each([
    ['1,001 items', () => ({ items: Array.from({ length: 1001 }, () => item()) }), 'BATCH_SIZE_OUT_OF_RANGE'],
    ['no items', () => ({ items: [] }), 'BATCH_SIZE_OUT_OF_RANGE'],
    ['no items field', () => ({}), 'VALIDATION_ERROR'],
    ['items not an array', () => ({ items: { 0: item() } }), 'VALIDATION_ERROR'],
    ['an item that is not an object', () => ({ items: [item(), 'not an object'] }), 'VALIDATION_ERROR'],
    ['an unknown field beside items', () => ({ items: [item()], more: true }), 'VALIDATION_ERROR'],
    ['a top-level array', () => [item()], 'VALIDATION_ERROR'],
  ])('refuses a batch of %s with 400 and writes nothing', async (_name, body, code) => {
    const before = await api.rowCount();

    const response = await request(testApp.server).post('/api/v1/token/mint/batch').set('X-API-Key', TEST_API_KEY).send(body());

    expect([response.status, response.body.error]).toEqual([400, code]);
    expect(await api.rowCount()).toBe(before);
  });

  it('refuses bad JSON and a body above its own limit with 400; the single route keeps its small limit', async () => {
    const batchCall = () => request(testApp.server).post('/api/v1/token/mint/batch').set('X-API-Key', TEST_API_KEY).type('json');
    const badJson = await batchCall().send('{"items": [');
    const tooLarge = await batchCall().send({ items: [item({ reason: 'x'.repeat(MINT_BATCH_BODY_LIMIT_BYTES) })] });
    const singleLarge = await api.post('mint', { ...item(), idempotencyKey: undefined, reason: 'x'.repeat(20_000) });

    expect([badJson.status, badJson.body.error]).toEqual([400, 'INVALID_JSON']);
    expect([tooLarge.status, tooLarge.body.error]).toEqual([400, 'PAYLOAD_TOO_LARGE']);
    expect([singleLarge.status, singleLarge.body.error]).toEqual([400, 'PAYLOAD_TOO_LARGE']);
  });

  it('refuses the items past the daily limit, lets the others through, and does not count a retry twice', async () => {
    const amounts = ['100', '100', '100', '100', '80', '100'];
    const batch = amounts.map((amount) => item({ amount }));

    const first = await postBatch(batch, LIMITED_KEY);
    const retry = await postBatch(batch, LIMITED_KEY);
    const rest = await request(testApp.server)
      .post('/api/v1/token/mint')
      .set('X-API-Key', LIMITED_KEY)
      .set('Idempotency-Key', nextKey())
      .send({ userId: 'guest-1', to: newAddress(), amount: '20', reason: 'the last 20' });
    const over = await postBatch([item({ amount: '0.01' })], LIMITED_KEY);

    expect(codes(first.body)).toEqual(['created', 'created', 'created', 'created', 'created', 'DAILY_MINT_LIMIT_EXCEEDED']);
    expect(results(first.body)[5].error?.details).toEqual({ limit: '500', remaining: '20' });
    expect(codes(retry.body)).toEqual(['existing', 'existing', 'existing', 'existing', 'existing', 'DAILY_MINT_LIMIT_EXCEEDED']);
    expect(rest.status).toBe(202);
    expect(codes(over.body)).toEqual(['DAILY_MINT_LIMIT_EXCEEDED']);
    expect(await keysStored(batch.map((each) => each.idempotencyKey))).toBe(5);
  });

  it('keeps each client’s keys apart: the same keys from another client are new requests', async () => {
    const batch = [item(), item()];
    const mine = await postBatch(batch);
    const theirs = await postBatch(batch, PARTNER_B_KEY);

    expect(codes(mine.body)).toEqual(['created', 'created']);
    expect(codes(theirs.body)).toEqual(['created', 'created']);
    expect(results(theirs.body).map((result) => result.transaction?.txId)).not.toContain(results(mine.body)[0].transaction?.txId);
    expect(await keysStored(batch.map((each) => each.idempotencyKey))).toBe(4);
  });

  it('stores each item once when two identical batches race, and gives back the loser’s allowance', async () => {
    const batch = Array.from({ length: 40 }, () => item({ amount: '1' }));
    const reversed = [...batch].reverse();

    const [one, two] = await Promise.all([postBatch(batch, RACING_KEY), postBatch(reversed, RACING_KEY)]);
    const rest = await postBatch([...Array.from({ length: 5 }, () => item({ amount: '92' })), item({ amount: '0.01' })], RACING_KEY);

    expect([one.status, two.status]).toEqual([202, 202]);
    expect([one.body.accepted, two.body.accepted]).toEqual([40, 40]);
    const txIds = (body: { items: ItemResult[] }) =>
      new Map(results(body).map((result) => [result.idempotencyKey, result.transaction?.txId]));
    expect(txIds(two.body)).toEqual(txIds(one.body));
    expect(await keysStored(batch.map((each) => each.idempotencyKey))).toBe(40);
    // 40 of the 500 are taken once, not twice: 460 more fit, then nothing.
    expect(codes(rest.body)).toEqual(['created', 'created', 'created', 'created', 'created', 'DAILY_MINT_LIMIT_EXCEEDED']);
  });
});
