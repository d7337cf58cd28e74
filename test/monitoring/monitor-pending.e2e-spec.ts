import { startTestApp, type TestApp } from '../support/app';
import { withClient } from '../support/database';
import { requests } from '../support/pipeline-harness';
import { alertsOf, monitorEverySecond, ticksPass, waitForAlerts } from './monitor-support';

describe('the monitor watching a transaction that does not get mined', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  it('raises one transaction_pending for all requests past PENDING_TX_THRESHOLD_MINUTES (1), and resolves it when they are mined', async () => {
    testApp = await startTestApp({ config: monitorEverySecond({ pendingTxThresholdMinutes: 1 }) });
    const { testClient } = testApp.chain;
    const url = testApp.database.url;
    const pipeline = requests(testApp);
    await testClient.setAutomine(false);

    const ids = [await pipeline.mint(), await pipeline.mint(), await pipeline.mint()].sort();
    // Accepted at the same instant, so they pass the threshold together and the tick that
    // raises the alert sees all three.
    await withClient(url, (client) =>
      client.query(
        'UPDATE transactions SET created_at = (SELECT min(created_at) FROM transactions WHERE id = ANY($1)) WHERE id = ANY($1)',
        [ids],
      ),
    );
    await pipeline.waitFor(ids, 'submitted');
    await ticksPass(url, 2);
    expect(await alertsOf(url, 'transaction_pending')).toEqual([]);

    const [pending] = await waitForAlerts(url, 'transaction_pending', (rows) => expect(rows).toHaveLength(1), 75_000);
    // One alert for the three: one outage pages once, not once per request.
    expect(pending).toMatchObject({ severity: 'warning', status: 'open', occurrences: 1, dedup_key: 'transaction_pending:warning' });
    expect(pending.data).toMatchObject({
      count: 3,
      by_status: { submitted: 3 },
      senders: [testApp.chain.backendAddress.toLowerCase()],
      threshold_minutes: 1,
    });
    expect((pending.data as { oldest: Array<{ tx_id: string }> }).oldest.map(({ tx_id }) => tx_id)).toEqual(ids);
    // Every tick still sees them pending: the alert stays one row, raised once.
    await ticksPass(url, 3);
    expect(await alertsOf(url, 'transaction_pending')).toMatchObject([{ status: 'open', occurrences: 1 }]);

    await testClient.mine({ blocks: 1 });
    await pipeline.waitFor(ids, 'confirmed');
    await waitForAlerts(url, 'transaction_pending', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'monitor', occurrences: 1 }]),
    );
  }, 90_000);
});
