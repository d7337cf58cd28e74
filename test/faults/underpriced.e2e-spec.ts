import { withClient } from '../support/database';
import { appsBehindFaultProxy, reconcileAll, requests } from '../support/pipeline-harness';

describe('a signed transaction no node accepts at its fees', () => {
  const start = appsBehindFaultProxy();

  it('is re-signed with the same nonce and higher fees instead of blocking the wallet', async () => {
    const { testApp, proxy } = await start();
    const pipeline = requests(testApp);
    // The first send and its re-broadcast are refused as underpriced; nothing reaches the node.
    proxy.inject({
      methods: ['eth_sendRawTransaction'],
      fault: { kind: 'rpc-error', code: -32000, message: 'transaction underpriced' },
      times: 2,
    });

    const [row] = await pipeline.waitFor([await pipeline.mint()], 'confirmed');

    const attempts = await withClient(
      testApp.database.url,
      async (client) =>
        (
          await client.query<{ purpose: string; status: string; nonce: string; max_fee_per_gas: string }>(
            'SELECT purpose, status, nonce, max_fee_per_gas FROM transaction_attempts WHERE transaction_id = $1 ORDER BY created_at',
            [row.batch_id],
          )
        ).rows,
    );
    expect(attempts.map((attempt) => [attempt.purpose, attempt.status])).toEqual([
      ['send', 'replaced'],
      ['replacement', 'mined'],
    ]);
    expect(attempts[1].nonce).toBe(attempts[0].nonce);
    expect(BigInt(attempts[1].max_fee_per_gas)).toBeGreaterThan(BigInt(attempts[0].max_fee_per_gas));
    await reconcileAll(testApp);
  }, 60_000);
});
