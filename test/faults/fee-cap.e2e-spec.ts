import request from 'supertest';
import { parseGwei } from 'viem';

import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { reconcileAll, requests, tokens } from '../support/pipeline-harness';

const CAP = parseGwei('5');

describe('base fee above MAX_FEE_PER_GAS_GWEI', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  const maxFeesSigned = () =>
    withClient(testApp.database.url, async (client) =>
      (await client.query<{ fee: string }>('SELECT max_fee_per_gas AS fee FROM transaction_attempts')).rows.map((row) => BigInt(row.fee)),
    );
  const held = async () => {
    const health = await request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY).expect(200);
    return health.body.monitoring.sending_held.map((hold: { reason: string }) => hold.reason);
  };

  it('signs nothing while base fee plus tip is above the cap, holds requests queued, and sends them under the cap once it falls', async () => {
    testApp = await startTestApp({ config: (config) => ({ ...config, pipeline: { ...config.pipeline, maxFeePerGasWei: CAP } }) });
    const { testClient } = testApp.chain;
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');

    await testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: parseGwei('50') });
    await testClient.mine({ blocks: 1 });
    // Fees read just before the spike may still sign this one under the cap; then it cannot be
    // mined and waits too, re-sent as it is rather than bumped past the cap or cancelled.
    const caught = await pipeline.mint(newAddress(), tokens(1), 'caught in the spike');
    await eventually(async () => expect(await held()).toContain('fees_above_cap'));
    const signedBefore = await pipeline.attemptCount();
    const ids = [
      await pipeline.mint(),
      await pipeline.mint(newAddress(), tokens(2), 'birthday bonus'),
      await pipeline.burn(holder, tokens(3)),
    ];
    // Several sender steps and replacer rounds pass (each at most 5 s apart while held).
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await pipeline.statuses(ids)).toEqual(['queued', 'queued', 'queued']);
    expect(await pipeline.attemptCount()).toBe(signedBefore);
    ids.push(caught);

    await testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: parseGwei('1') });
    await testClient.mine({ blocks: 1 });

    await pipeline.waitFor(ids, 'confirmed');
    for (const fee of await maxFeesSigned()) expect(fee).toBeLessThanOrEqual(CAP);
    await eventually(async () => expect(await held()).toEqual([]));
    await reconcileAll(testApp);
  }, 90_000);
});
