import type { Hex } from 'viem';

import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { withClient } from '../support/database';
import { reconcileAll, requests, tokens } from '../support/pipeline-harness';

/**
 * Found by the soak campaign (docs/reliability.md, finding 2): a node that restarts loses its
 * pending transactions. The next nonce is then never mined and every later one waits behind
 * it; before the fix only the stuck-transaction replacer revived them, after
 * PENDING_TX_THRESHOLD_MINUTES (5 minutes by default, 30 here).
 */
describe('a node that loses its pending transactions', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({ ...config, monitoring: { ...config.monitoring, pendingTxThresholdMinutes: 30 } }),
    });
  });

  afterAll(() => testApp?.close());

  const sentHashes = (): Promise<Hex[]> =>
    withClient(testApp.database.url, async (client) =>
      (await client.query<{ tx_hash: Hex }>(`SELECT tx_hash FROM transaction_attempts`)).rows.map((row) => row.tx_hash),
    );

  it('sends the same bytes again as soon as the node says it does not know them, and mints each request once', async () => {
    const api = requests(testApp);
    // No block is mined until the test says so: the transactions stay pending.
    await testApp.chain.testClient.setAutomine(false);
    // Different reasons: one transaction, and one nonce, each.
    const ids = await Promise.all(['stay reward', 'referral', 'review'].map((reason, i) => api.mint(newAddress(), tokens(i + 1), reason)));
    await api.waitFor(ids, 'submitted');
    const hashes = await sentHashes();
    expect(hashes).toHaveLength(3);

    for (const hash of hashes) await testApp.chain.testClient.dropTransaction({ hash });
    expect(await Promise.all(hashes.map((hash) => testApp.chain.publicClient.getTransaction({ hash }).catch(() => null)))).toEqual([
      null,
      null,
      null,
    ]);
    await testApp.chain.testClient.setAutomine(true);

    // Far inside the 30-minute stuck threshold: only a prompt re-broadcast gets them mined.
    await api.waitFor(ids, 'confirmed', 60_000);
    expect(await sentHashes()).toEqual(expect.arrayContaining(hashes));
    expect(await api.attemptCount()).toBe(3);
    await reconcileAll(testApp);
  });
});
