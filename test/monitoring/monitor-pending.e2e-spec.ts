import { startTestApp, type TestApp } from '../support/app';
import { requests } from '../support/pipeline-harness';
import { alertsOf, monitorEverySecond, ticksPass, waitForAlerts } from './monitor-support';

describe('the monitor watching a transaction that does not get mined', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  it('raises transaction_pending once past PENDING_TX_THRESHOLD_MINUTES (1), and resolves it when the transaction is mined', async () => {
    testApp = await startTestApp({ config: monitorEverySecond({ pendingTxThresholdMinutes: 1 }) });
    const { testClient } = testApp.chain;
    const url = testApp.database.url;
    const pipeline = requests(testApp);
    await testClient.setAutomine(false);

    const id = await pipeline.mint();
    await pipeline.waitFor([id], 'submitted');
    await ticksPass(url, 2);
    expect(await alertsOf(url, 'transaction_pending')).toEqual([]);

    const [pending] = await waitForAlerts(url, 'transaction_pending', (rows) => expect(rows).toHaveLength(1), 75_000);
    expect(pending).toMatchObject({ severity: 'warning', status: 'open', occurrences: 1, dedup_key: `transaction_pending:${id}:warning` });
    expect(pending.data).toMatchObject({ tx_id: id, kind: 'mint', threshold_minutes: 1 });
    // Every tick still sees it pending: the alert stays one row, raised once.
    await ticksPass(url, 3);
    expect(await alertsOf(url, 'transaction_pending')).toMatchObject([{ status: 'open', occurrences: 1 }]);

    await testClient.mine({ blocks: 1 });
    await pipeline.waitFor([id], 'confirmed');
    await waitForAlerts(url, 'transaction_pending', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'monitor', occurrences: 1 }]),
    );
  }, 90_000);
});
