import { newAddress } from '../support/chain';
import { withClient } from '../support/database';
import { appsBehindFaultProxy, fastStuck, reconcileAll, requests, tokens } from '../support/pipeline-harness';

describe('a lagging second node behind the provider’s load balancer', () => {
  const start = appsBehindFaultProxy();

  const droppedAttempts = (databaseUrl: string) =>
    withClient(
      databaseUrl,
      async (client) =>
        (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM transaction_attempts WHERE status = 'dropped'`)).rows[0].n,
    );

  it('waits for the receipt when the nonce is reported mined but the receipt is not known yet, and never re-queues', async () => {
    const { testApp, proxy } = await start({ chain: { blockTime: 1 }, config: fastStuck });
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');

    // The nonce count comes from an up-to-date node; receipts, transactions and blocks from
    // one that learns of each mined transaction 35 s late and is 4 blocks behind.
    const lag = proxy.inject({
      methods: ['eth_getTransactionReceipt', 'eth_getTransactionByHash', 'eth_getBlockByNumber'],
      fault: { kind: 'lag', blocks: 4, ms: 35_000 },
    });
    const ids = [
      await pipeline.mint(),
      await pipeline.mint(),
      await pipeline.mint(newAddress(), tokens(2), 'birthday bonus'),
      await pipeline.burn(holder, tokens(3)),
    ];

    const rows = await pipeline.waitFor(ids, 'confirmed', 120_000);
    lag.clear();
    expect(proxy.faulted().eth_getTransactionReceipt).toBeGreaterThan(0);
    expect(rows.every((row) => row.attempt_count === 1)).toBe(true);
    expect(await droppedAttempts(testApp.database.url)).toBe(0);
    await reconcileAll(testApp);
  }, 180_000);
});
