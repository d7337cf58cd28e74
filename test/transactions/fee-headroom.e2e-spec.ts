import { type Hex, parseGwei } from 'viem';

import { startTestApp, type TestApp } from '../support/app';
import { withClient } from '../support/database';
import { reconcileAll, requests } from '../support/pipeline-harness';

/** A full block raises the base fee by 12.5 % (EIP-1559 as anvil and Ethereum run it). */
const afterFullBlocks = (baseFee: bigint, blocks: number): bigint => (baseFee * 1125n ** BigInt(blocks)) / 1000n ** BigInt(blocks);

/**
 * Under our own load every block is full, and sends queue at the node for a block or two. A
 * fee cap of 120 % of the base fee was spent after two full blocks: the lowest nonce waiting
 * could not be mined, every later one waited behind it, and blocks went by empty until the base
 * fee fell back (bench:mint --timeline: two empty blocks after eight full ones).
 */
describe('fee headroom for sends that wait at the node', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  it('a mint signed at one base fee is still mined, as signed, after five full blocks raised it', async () => {
    testApp = await startTestApp();
    const { testClient, publicClient } = testApp.chain;
    const pipeline = requests(testApp);
    // A base fee far above the node's suggested tip, so that the cap's headroom over the base
    // fee, not the tip, decides whether the send stays minable.
    const signedAt = parseGwei('50');
    await testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: signedAt });
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(false);

    const id = await pipeline.mint();
    await pipeline.waitFor([id], 'submitted');
    const [attempt] = await withClient(
      testApp.database.url,
      async (client) =>
        (await client.query<{ hash: Hex; fee: string }>('SELECT tx_hash AS hash, max_fee_per_gas AS fee FROM transaction_attempts')).rows,
    );
    expect(BigInt(attempt.fee)).toBeGreaterThanOrEqual(afterFullBlocks(signedAt, 5));

    await testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: afterFullBlocks(signedAt, 5) });
    await testClient.mine({ blocks: 1 });
    const receipt = await publicClient.getTransactionReceipt({ hash: attempt.hash });
    expect(receipt.status).toBe('success');

    await testClient.setAutomine(true);
    await pipeline.waitFor([id], 'confirmed');
    expect(await pipeline.attemptCount()).toBe(1);
    await reconcileAll(testApp);
  }, 60_000);
});
