import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { reconcileAll, requests, tokens } from '../support/pipeline-harness';

describe('a reorg undoing a confirmed batch', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  it('puts the batch back in flight with its signed bytes, says so, and confirms it again exactly once', async () => {
    testApp = await startTestApp();
    const { testClient } = testApp.chain;
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');

    const snapshot = await testClient.snapshot();
    const ids = [
      await pipeline.mint(),
      await pipeline.mint(),
      await pipeline.mint(newAddress(), tokens(2), 'birthday bonus'),
      await pipeline.burn(holder, tokens(3)),
    ];
    const before = await pipeline.waitFor(ids, 'confirmed');

    // The blocks that held them are replaced by a longer chain without them.
    await testClient.revert({ id: snapshot });
    await testClient.mine({ blocks: 6 });

    const after = await eventually(async () => {
      const rows = await pipeline.rows(ids);
      expect(rows.map((row) => [row.status, (row as unknown as { reorg_count: number }).reorg_count])).toEqual(
        ids.map(() => ['confirmed', 1]),
      );
      return rows;
    });
    // The same signed transactions, in new blocks.
    expect(after.map((row) => row.tx_hash)).toEqual(before.map((row) => row.tx_hash));
    expect(after.map((row) => row.block_number)).not.toEqual(before.map((row) => row.block_number));

    const shown = await request(testApp.server).get(`/api/v1/transactions/${ids[0]}`).set('X-API-Key', TEST_API_KEY).expect(200);
    expect(shown.body).toMatchObject({
      status: 'confirmed',
      reorgCount: 1,
      blockNumber: after[0].block_number,
      confirmations: expect.any(Number),
    });
    expect(shown.body.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
    await reconcileAll(testApp);
  }, 90_000);
});
