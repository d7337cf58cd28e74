import { randomUUID } from 'node:crypto';

import request from 'supertest';
import { type Address, type Hex, maxUint256, numberToHex, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { startTestApp, type TestApp } from '../support/app';
import { havenBalanceOf, newAddress } from '../support/chain';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { attemptRows, insertQueuedRequest, requestRows } from '../support/factories';
import { tokenClient } from '../token/token-client';

const tokens = (amount: string) => parseUnits(amount, 18);
/** OpenZeppelin's ERC20 keeps `_totalSupply` in its third slot (after balances and allowances). */
const TOTAL_SUPPLY_SLOT = numberToHex(2, { size: 32 });
const fakeHash = (): Hex => `0x${randomUUID().replaceAll('-', '').padEnd(64, '0')}`;

interface Row {
  status: 'queued' | 'signed' | 'submitted' | 'mined' | 'reorged' | 'confirmed' | 'failed';
  kind?: 'mint' | 'burn';
  /** Minutes since it was accepted. */
  age: number;
  /** Minutes since its last change; `age` when absent. */
  changed?: number;
  clientId?: string;
  userId?: string;
  address?: Address;
  amount?: bigint;
  error?: [code: string, message: string];
}

/**
 * Admin routes over the pipeline as a whole: GET /transactions/status and POST
 * /transactions/:txId/retry, against the real pipeline on anvil.
 */
describe('admin API: transaction status and retry', () => {
  let testApp: TestApp;
  let api: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    testApp = await startTestApp();
    api = await tokenClient(testApp);
  });

  afterAll(() => testApp.close());

  const admin = (method: 'get' | 'post', path: string) => request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);
  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(testApp.database.url, async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows);

  /**
   * A row in a chosen state, accepted and changed at chosen times. None is ever picked up by
   * the pipeline: queued ones are leased to an instance that does not exist, the others have
   * no sender and no block.
   */
  const insertRow = async (row: Row): Promise<string> => {
    const key = randomUUID();
    const [{ id }] = await sql<{ id: string }>(
      `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id,
                                 created_at, updated_at, error_code, error_message, claim_token, claimed_until)
       VALUES ($1, $2, $3::varchar, $4, $5, $6, 'status test', $7, $8, $9,
               now() - make_interval(mins => $10), now() - make_interval(mins => $11), $12, $13,
               CASE WHEN $3::varchar = 'queued' THEN gen_random_uuid() END, CASE WHEN $3::varchar = 'queued' THEN now() + interval '1 hour' END)
       RETURNING id`,
      [
        row.clientId ?? 'default',
        row.kind ?? 'mint',
        row.status,
        row.userId ?? 'guest-status',
        row.address ?? newAddress(),
        (row.amount ?? tokens('1')).toString(),
        key,
        key.replaceAll('-', '').padEnd(64, '0'),
        testApp.chain.chainId,
        row.age,
        row.changed ?? row.age,
        row.error?.[0] ?? null,
        row.error?.[1] ?? null,
      ],
    );
    return id;
  };

  const balanceOf = (address: Address) => havenBalanceOf(testApp.chain, address);
  const mintedTo = async (address: Address) =>
    (
      await testApp.chain.publicClient.getContractEvents({
        address: testApp.chain.contractAddress,
        abi: havenAbi,
        eventName: 'Minted',
        args: { to: address },
        fromBlock: 0n,
      })
    ).map((event) => event.args.amount);
  const statusOf = async (id: string) => (await requestRows(testApp.database.url, [id]))[0];
  const settled = (id: string, status: 'confirmed' | 'failed') =>
    eventually(async () => {
      const row = await statusOf(id);
      expect(row.status).toBe(status);
      return row;
    });

  describe('GET /api/v1/admin/transactions/status', () => {
    it('counts requests by status, pending and stuck, the failure rate over the window, and the latest failures', async () => {
      expect(await sql('SELECT id FROM transactions')).toEqual([]);
      await insertRow({ status: 'queued', age: 1 });
      await insertRow({ status: 'queued', age: 10 }); // stuck: past PENDING_TX_THRESHOLD_MINUTES (5)
      await insertRow({ status: 'signed', age: 2 });
      await insertRow({ status: 'submitted', age: 30 }); // stuck
      await insertRow({ status: 'mined', age: 1 });
      await insertRow({ status: 'reorged', age: 6 }); // stuck
      for (let i = 0; i < 3; i++) await insertRow({ status: 'confirmed', age: 90 });
      await insertRow({ status: 'confirmed', age: 48 * 60 });
      const older = await insertRow({ status: 'failed', age: 120, changed: 60, error: ['TRANSACTION_REVERTED', 'reverted: A'] });
      const latest = await insertRow({
        status: 'failed',
        kind: 'burn',
        age: 180,
        changed: 10,
        clientId: 'other-app',
        userId: 'guest-failed',
        error: ['TRANSACTION_ERROR', 'node refused it'],
      });
      const oldest = await insertRow({ status: 'failed', age: 48 * 60, changed: 47 * 60, error: ['TRANSACTION_REVERTED', 'old'] });

      // As an operator's script written for the Python backend asks it.
      const response = await request(testApp.server).get('/api/v1/admin/transactions/status').set('X-Admin-Key', TEST_ADMIN_API_KEY);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        counts: { queued: 2, signed: 1, submitted: 1, mined: 1, reorged: 1, confirmed: 4, failed: 3 },
        pending: 6,
        stuck: 3,
        stuckThresholdMinutes: 5,
        failureRate: { hours: 24, confirmed: 3, failed: 2, rate: 0.4 },
        recentFailures: [
          {
            id: latest,
            clientId: 'other-app',
            kind: 'burn',
            userId: 'guest-failed',
            errorCode: 'TRANSACTION_ERROR',
            errorMessage: 'node refused it',
            updatedAt: expect.any(String),
          },
          expect.objectContaining({ id: older, errorCode: 'TRANSACTION_REVERTED', errorMessage: 'reverted: A' }),
          expect.objectContaining({ id: oldest }),
        ],
        // The Python backend's admin API answered with these names; its operators' scripts read them.
        total_pending: 6,
        total_failed: 3,
        pending_transactions: expect.any(Array),
        failed_transactions: [
          expect.objectContaining({
            tx_id: latest,
            status: 'failed',
            kind: 'burn',
            user_id: 'guest-failed',
            error_message: 'node refused it',
          }),
          expect.objectContaining({ tx_id: older }),
          expect.objectContaining({ tx_id: oldest }),
        ],
      });
      // Oldest first: the one waiting longest is what an operator looks at.
      expect(response.body.pending_transactions.map((row: { status: string }) => row.status).slice(0, 3)).toEqual([
        'submitted',
        'queued',
        'reorged',
      ]);
      expect(response.body.pending_transactions).toHaveLength(6);
      expect(response.body.pending_transactions[0]).toEqual({
        tx_id: expect.any(String),
        tx_hash: null,
        kind: 'mint',
        status: 'submitted',
        user_id: expect.any(String),
        amount: expect.stringMatching(/^\d+(\.\d+)?$/),
        error_message: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const [latestRow] = await sql<{ updated_at: Date }>('SELECT updated_at FROM transactions WHERE id = $1', [latest]);
      expect(response.body.recentFailures[0].updatedAt).toBe(latestRow.updated_at.toISOString());

      const threeDays = await admin('get', '/api/v1/admin/transactions/status?hours=72');
      expect(threeDays.body.failureRate).toEqual({ hours: 72, confirmed: 4, failed: 3, rate: 3 / 7 });
      const lastHour = await admin('get', '/api/v1/admin/transactions/status?hours=1');
      expect(lastHour.body.failureRate).toEqual({ hours: 1, confirmed: 0, failed: 0, rate: null });
      expect((await admin('get', '/api/v1/admin/transactions/status?hours=720')).status).toBe(200);
    });

    it('lists at most the 20 latest failures', async () => {
      for (let i = 0; i < 20; i++) await insertRow({ status: 'failed', age: 5, changed: 1, error: ['TRANSACTION_REVERTED', `batch ${i}`] });

      const { body } = await admin('get', '/api/v1/admin/transactions/status');

      expect(body.counts.failed).toBe(23);
      expect(body.recentFailures).toHaveLength(20);
      expect(body.recentFailures.map((failure: { errorMessage: string }) => failure.errorMessage)).not.toContain('old');
    });

    it.each([['0'], ['721'], ['-1'], ['1.5'], ['1e1'], ['%205'], ['0x10'], [''], ['24&hours=48'], ['abc']])(
      'refuses hours=%s with 400 VALIDATION_ERROR',
      async (hours) => {
        const response = await admin('get', `/api/v1/admin/transactions/status?hours=${hours}`);
        expect([response.status, response.body.error]).toEqual([400, 'VALIDATION_ERROR']);
      },
    );

    it('refuses an unknown parameter, and a client key', async () => {
      const unknown = await admin('get', '/api/v1/admin/transactions/status?clientId=default');
      const client = await request(testApp.server).get('/api/v1/admin/transactions/status').set('X-API-Key', TEST_API_KEY);

      expect([unknown.status, unknown.body.error]).toEqual([400, 'VALIDATION_ERROR']);
      expect([client.status, client.body.error]).toEqual([401, 'INVALID_API_KEY']);
    });
  });

  describe('POST /api/v1/admin/transactions/:txId/retry', () => {
    it('sends a mint that failed again, once: queued, then confirmed, minted exactly once on chain', async () => {
      const { chain } = testApp;
      const recipient = newAddress();
      // A supply at its maximum makes any mint revert (overflow), as a request's own fault would.
      const supply = await chain.publicClient.getStorageAt({ address: chain.contractAddress, slot: TOTAL_SUPPLY_SLOT });
      await chain.testClient.setStorageAt({ address: chain.contractAddress, index: TOTAL_SUPPLY_SLOT, value: numberToHex(maxUint256) });
      expect(await chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'totalSupply' })).toBe(
        maxUint256,
      );
      const id = await insertQueuedRequest(testApp.database.url, { address: recipient, amount: tokens('5'), chainId: chain.chainId });
      const failed = await settled(id, 'failed');
      await chain.testClient.setStorageAt({ address: chain.contractAddress, index: TOTAL_SUPPLY_SLOT, value: supply! });
      expect(failed.error_code).toBe('TRANSACTION_REVERTED');

      // Two admins at once: one retry goes through, the other finds it no longer failed.
      const answers = await Promise.all([
        admin('post', `/api/v1/admin/transactions/${id}/retry`),
        admin('post', `/api/v1/admin/transactions/${id}/retry`),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([200, 409]);
      const retried = answers.find((answer) => answer.status === 200)!.body;
      const refused = answers.find((answer) => answer.status === 409)!.body;
      expect(retried).toMatchObject({
        txId: id,
        kind: 'mint',
        status: 'queued',
        txHash: null,
        nonce: null,
        blockNumber: null,
        error: null,
      });
      expect(refused).toMatchObject({ error: 'TRANSACTION_NOT_RETRYABLE', details: { tx_id: id } });

      const confirmed = await settled(id, 'confirmed');
      expect(confirmed).toMatchObject({ error_code: null, error_message: null, attempt_count: 1, batch_id: id });
      expect(await balanceOf(recipient)).toBe(tokens('5'));
      expect(await mintedTo(recipient)).toEqual([tokens('5')]);

      const again = await admin('post', `/api/v1/admin/transactions/${id}/retry`);
      expect([again.status, again.body.error, again.body.details]).toEqual([
        409,
        'TRANSACTION_NOT_RETRYABLE',
        { tx_id: id, status: 'confirmed' },
      ]);
      expect(await mintedTo(recipient)).toEqual([tokens('5')]);
    });

    it('clears everything of a send that reverted on chain, and waits until its block is no longer watched for reorgs', async () => {
      const { chain } = testApp;
      const recipient = newAddress();
      // As settleReverted leaves a batch it led: failed with its nonce, hash, block and receipt,
      // its one attempt mined. The block is far above the head, where the reorg watch skips it.
      const id = await insertRow({ status: 'failed', age: 20, changed: 0, address: recipient, amount: tokens('7') });
      const [oldHash, oldBlockHash] = [fakeHash(), fakeHash()];
      await sql(
        `UPDATE transactions SET batch_id = id, sender = $2, nonce = 4242, tx_hash = $3, block_number = 1000000000, block_hash = $4,
                confirmations = 1, gas_used = 21000, effective_gas_price = 1000000000, submitted_at = now(), attempt_count = 1,
                error_code = 'TRANSACTION_REVERTED', error_message = 'reverted: Panic(17)', updated_at = now()
          WHERE id = $1`,
        [id, chain.backendAddress.toLowerCase(), oldHash, oldBlockHash],
      );
      await sql(
        `INSERT INTO transaction_attempts (transaction_id, nonce, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas, gas_limit,
                                           status, purpose)
         VALUES ($1, 4242, $2, '0x00', 2000000000, 1000000000, 100000, 'mined', 'send')`,
        [id, oldHash],
      );

      const tooSoon = await admin('post', `/api/v1/admin/transactions/${id}/retry`);
      expect([tooSoon.status, tooSoon.body.error]).toEqual([409, 'TRANSACTION_NOT_RETRYABLE']);
      expect(tooSoon.body.details).toEqual({ tx_id: id, status: 'failed', retry_after_seconds: expect.any(Number) });
      expect(tooSoon.body.details.retry_after_seconds).toBeGreaterThan(500);
      expect(tooSoon.body.details.retry_after_seconds).toBeLessThanOrEqual(600);
      expect(tooSoon.headers['retry-after']).toBe(String(tooSoon.body.details.retry_after_seconds));
      expect((await statusOf(id)).status).toBe('failed');

      await sql(`UPDATE transactions SET updated_at = now() - interval '11 minutes' WHERE id = $1`, [id]);
      const retry = await admin('post', `/api/v1/admin/transactions/${id}/retry`);

      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({
        status: 'queued',
        txHash: null,
        nonce: null,
        blockNumber: null,
        blockHash: null,
        confirmations: null,
        gasUsed: null,
        effectiveGasPrice: null,
        error: null,
        confirmedAt: null,
      });
      const confirmed = await settled(id, 'confirmed');
      expect(confirmed.attempt_count).toBe(2);
      expect(confirmed.tx_hash).not.toBe(oldHash);
      expect(confirmed.nonce).not.toBe('4242');
      // The old attempt is history, dropped, not taken for (or replaced by) the new send.
      expect((await attemptRows(testApp.database.url, id)).map((attempt) => [attempt.tx_hash, attempt.status])).toEqual([
        [oldHash, 'dropped'],
        [confirmed.tx_hash, 'mined'],
      ]);
      expect(await mintedTo(recipient)).toEqual([tokens('7')]);
    });

    it('retries a redemption only when the holder can pay for it, counting its other pending redemptions', async () => {
      const holder = await api.addCustodialWallet('retry-holder');
      const burn = await insertQueuedRequest(testApp.database.url, {
        kind: 'burn',
        userId: 'retry-holder',
        address: holder,
        amount: tokens('3'),
        chainId: testApp.chain.chainId,
      });
      expect((await settled(burn, 'failed')).error_message).toMatch(/ERC20InsufficientBalance/);

      const empty = await admin('post', `/api/v1/admin/transactions/${burn}/retry`);
      expect([empty.status, empty.body.error, empty.body.details]).toEqual([422, 'INSUFFICIENT_BALANCE', { available: '0' }]);

      await api.fund(holder, '5');
      const pending = await insertRow({ status: 'queued', kind: 'burn', age: 0, address: holder, amount: tokens('3') });
      const short = await admin('post', `/api/v1/admin/transactions/${burn}/retry`);
      expect([short.status, short.body.error, short.body.details]).toEqual([422, 'INSUFFICIENT_BALANCE', { available: '2' }]);
      expect((await statusOf(burn)).status).toBe('failed');

      await sql(`UPDATE transactions SET status = 'failed', claim_token = NULL, claimed_until = NULL WHERE id = $1`, [pending]);
      const retry = await admin('post', `/api/v1/admin/transactions/${burn}/retry`);
      expect([retry.status, retry.body.status]).toEqual([200, 'queued']);
      await settled(burn, 'confirmed');
      expect(await balanceOf(holder)).toBe(tokens('2'));
    });

    it('refuses to retry a redemption from a wallet the user no longer owns (revoked) with 403 ADDRESS_NOT_OWNED', async () => {
      const holder = await api.addCustodialWallet('revoked-retry-holder');
      await api.fund(holder, '5');
      const burn = await insertRow({
        status: 'failed',
        kind: 'burn',
        age: 0,
        address: holder,
        amount: tokens('1'),
        userId: 'revoked-retry-holder',
      });
      await sql(`UPDATE wallet_custody SET status = 'revoked' WHERE wallet_id = 'revoked-retry-holder'`);

      const response = await admin('post', `/api/v1/admin/transactions/${burn}/retry`);

      expect([response.status, response.body.error]).toEqual([403, 'ADDRESS_NOT_OWNED']);
      expect((await statusOf(burn)).status).toBe('failed');
    });

    it('refuses a request that is not failed with 409 TRANSACTION_NOT_RETRYABLE, changing nothing', async () => {
      const queued = await insertRow({ status: 'queued', age: 0 });
      const before = await statusOf(queued);

      const response = await admin('post', `/api/v1/admin/transactions/${queued}/retry`);

      expect([response.status, response.body.error, response.body.details]).toEqual([
        409,
        'TRANSACTION_NOT_RETRYABLE',
        { tx_id: queued, status: 'queued' },
      ]);
      expect(await statusOf(queued)).toEqual(before);
    });

    it.each([
      ['an unknown id', randomUUID()],
      ['an id that is not a uuid', 'not-a-uuid'],
      ['a number', '12345'],
    ])('answers %s with 404 TRANSACTION_NOT_FOUND', async (_label, txId) => {
      const response = await admin('post', `/api/v1/admin/transactions/${txId}/retry`);
      expect([response.status, response.body.error]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
    });
  });
});
