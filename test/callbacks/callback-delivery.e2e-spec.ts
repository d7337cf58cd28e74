import { startTestApp, type TestApp } from '../support/app';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver';
import { newAddress } from '../support/chain';
import { eventually } from '../support/eventually';
import { requests, tokens } from '../support/pipeline-harness';
import { tokenClient } from '../token/token-client';
import { CALLBACK_SECRET, expectDeliveredInOrderExactlyOnce } from './callback-expectations';
import { deliveryRows, insertQueuedMints } from './callback-rows';

describe('status callbacks to a client app', () => {
  let receiver: CallbackReceiver;
  let testApp: TestApp;
  let client: Awaited<ReturnType<typeof tokenClient>>;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        callbacks: { default: { url: receiver.url('/haven?token=partner-token'), secret: CALLBACK_SECRET } },
      }),
    });
    client = await tokenClient(testApp);
  });

  afterAll(async () => {
    await testApp?.close();
    await receiver?.close();
  });

  /** Resolves once the receiver has been delivered `status` for every one of `txIds`. */
  const delivered = (txIds: string[], status: string, reorgCount = 0) =>
    receiver.until(
      (all) =>
        txIds.every((txId) =>
          all.some((c) => c.answeredStatus < 300 && c.body.txId === txId && c.body.status === status && c.body.reorgCount === reorgCount),
        ),
      60_000,
    );

  it('delivers every status change of mints, a batched mint and a burn: signed, in order, exactly once', async () => {
    const holder = await client.addCustodialWallet('guest-burn');
    await client.fund(holder, '10');
    const minted = await Promise.all([1, 2].map(() => client.post('mint', client.mintBody()).expect(202)));
    const burned = await client.post('redeem', { userId: 'guest-burn', from: holder, amount: '3', reason: 'spa voucher' }).expect(202);
    // Committed together with one reason: the sender packs them into one batchMint.
    const batch = await insertQueuedMints(
      testApp.database.url,
      [1, 2, 3].map(() => ({ address: newAddress(), amount: tokens(1), callbackUrl: receiver.url('/haven/batch'), reason: 'group stay' })),
      testApp.chain.chainId,
    );
    const txIds = [...minted.map((response) => response.body.txId as string), burned.body.txId as string, ...batch];

    await delivered(txIds, 'confirmed');

    const rows = await requests(testApp).rows(batch);
    expect(new Set(rows.map((row) => row.batch_id)).size).toBe(1);
    await expectDeliveredInOrderExactlyOnce(testApp.database.url, receiver.received, txIds);
    const burnEvents = receiver.delivered().filter((c) => c.body.txId === burned.body.txId);
    expect(burnEvents.at(-1)!.body).toMatchObject({
      kind: 'burn',
      userId: 'guest-burn',
      address: holder,
      amount: '3',
      amountWei: tokens(3).toString(),
      chainId: testApp.chain.chainId,
      txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      blockNumber: expect.stringMatching(/^\d+$/),
      confirmations: expect.any(Number),
      error: null,
    });
    expect(
      new Set(
        receiver
          .delivered()
          .filter((c) => batch.includes(c.body.txId))
          .map((c) => c.path),
      ),
    ).toEqual(new Set(['/haven/batch']));
    expect(
      new Set(
        receiver
          .delivered()
          .filter((c) => !batch.includes(c.body.txId))
          .map((c) => c.path),
      ),
    ).toEqual(new Set(['/haven?token=partner-token']));
  }, 60_000);

  it('tells the client when a reorg undid its confirmed transaction, then that it is confirmed again', async () => {
    const { testClient } = testApp.chain;
    const snapshot = await testClient.snapshot();
    const { body } = await client.post('mint', client.mintBody()).expect(202);
    await delivered([body.txId], 'confirmed');

    await testClient.revert({ id: snapshot });
    await testClient.mine({ blocks: 6 });

    await delivered([body.txId], 'confirmed', 1);
    const events = receiver.delivered().filter((c) => c.body.txId === body.txId);
    expect(events.map((c) => c.body.status)).toContain('reorged');
    expect(events.find((c) => c.body.status === 'reorged')!.body).toMatchObject({
      previousStatus: 'confirmed',
      reorgCount: 1,
      blockNumber: null,
    });
    await expectDeliveredInOrderExactlyOnce(testApp.database.url, receiver.received, [body.txId]);
  }, 60_000);

  it('keeps every event through a receiver outage (503, then closed) and delivers them in order once it is back', async () => {
    receiver.answerWith(({ path }) => (path.startsWith('/outage') ? 503 : 204));
    const { body } = await client.post('mint', client.mintBody({ callbackUrl: receiver.url('/outage') })).expect(202);
    const txId = body.txId as string;
    await receiver.until((all) => all.some((c) => c.body.txId === txId && c.answeredStatus === 503));
    await requests(testApp).waitFor([txId], 'confirmed');
    // Its later events are owed, and wait behind the first. Another transaction's, owed after
    // them, is not held back: once it has arrived, the worker has passed over them.
    const later = await client.post('mint', client.mintBody()).expect(202);
    await delivered([later.body.txId], 'confirmed');
    const owed = await deliveryRows(testApp.database.url, [txId]);
    expect(owed[0]).toMatchObject({ event_status: 'submitted', status: 'pending' });
    expect(owed.at(-1)).toMatchObject({ event_status: 'confirmed' });
    expect(owed.slice(1).map((row) => [row.status, row.attempts])).toEqual(owed.slice(1).map(() => ['pending', 0]));
    expect(receiver.received.filter((c) => c.body.txId === txId).map((c) => c.body.status)).toEqual(['submitted']);

    await receiver.pause();
    await eventually(
      async () => {
        const [first] = await deliveryRows(testApp.database.url, [txId]);
        expect(first).toMatchObject({ status: 'pending', attempts: 2, last_error: expect.stringMatching(/^network error/) });
      },
      { timeoutMs: 20_000 },
    );
    receiver.answerWith(() => 204);
    await receiver.resume();
    await delivered([txId], 'confirmed');

    await expectDeliveredInOrderExactlyOnce(testApp.database.url, receiver.received, [txId]);
  }, 60_000);
});
