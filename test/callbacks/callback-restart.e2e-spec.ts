import type { INestApplication } from '@nestjs/common';

import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver';
import { newAddress } from '../support/chain';
import { eventually } from '../support/eventually';
import { requests, tokens } from '../support/pipeline-harness';
import { CALLBACK_SECRET, expectDeliveredInOrderExactlyOnce } from './callback-expectations';
import { deliveryRows, insertQueuedMints } from './callback-rows';

describe('status callbacks across a restart of the service', () => {
  let receiver: CallbackReceiver;
  let testApp: TestApp;
  let restarted: INestApplication | undefined;

  afterAll(async () => {
    await restarted?.close();
    await testApp?.close();
    await receiver?.close();
  });

  it('delivers what was pending when the service stopped from the next instance on the same database, each exactly once', async () => {
    receiver = await startCallbackReceiver();
    receiver.answerWith(() => 503);
    testApp = await startTestApp({
      config: (config) => ({ ...config, callbacks: { default: { url: receiver.url('/haven'), secret: CALLBACK_SECRET } } }),
    });
    const txIds = await insertQueuedMints(
      testApp.database.url,
      Array.from({ length: 4 }, (_, i) => ({
        address: newAddress(),
        amount: tokens(1),
        callbackUrl: receiver.url('/haven'),
        reason: `stay ${i % 2}`,
      })),
      testApp.chain.chainId,
    );
    await receiver.until((all) => txIds.every((txId) => all.some((c) => c.body.txId === txId && c.answeredStatus === 503)));

    await testApp.app.close();
    const atStop = await deliveryRows(testApp.database.url, txIds);
    expect(atStop.length).toBeGreaterThanOrEqual(txIds.length);
    expect(atStop.filter((row) => row.status === 'pending').length).toBeGreaterThanOrEqual(txIds.length);
    expect(atStop.every((row) => row.status !== 'delivered')).toBe(true);

    receiver.answerWith(() => 204);
    restarted = await createTestApplication(testApp.config);
    await requests(testApp).waitFor(txIds, 'confirmed');
    await eventually(
      async () => expect((await deliveryRows(testApp.database.url, txIds)).map((row) => row.status)).not.toContain('pending'),
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    await expectDeliveredInOrderExactlyOnce(testApp.database.url, receiver.received, txIds);
    for (const txId of txIds) {
      expect(
        receiver
          .delivered()
          .filter((c) => c.body.txId === txId)
          .at(-1)!.body.status,
      ).toBe('confirmed');
    }
  }, 80_000);
});
