import { parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { insertQueuedRequest } from '../support/factories';

const REQUESTS = 60;
const ONE = parseUnits('1', 18);

describe('graceful shutdown while sending', () => {
  let testApp: TestApp;

  afterAll(() => testApp.close());

  const statuses = () =>
    withClient(testApp.database.url, async (client) => {
      const { rows } = await client.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM transactions GROUP BY status`,
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n])) as Record<string, number>;
    });

  it('finishes the sends in progress (nothing left signed but unsent), and a restart completes the rest exactly once', async () => {
    // One request per transaction and few in flight, so the sender is mid-way when asked to stop.
    testApp = await startTestApp({
      config: (config) => ({ ...config, pipeline: { ...config.pipeline, batchMintMaxSize: 1, maxInFlight: 5 } }),
    });
    const holders = Array.from({ length: REQUESTS }, () => newAddress());
    await Promise.all(
      holders.map((address) => insertQueuedRequest(testApp.database.url, { address, amount: ONE, chainId: testApp.chain.chainId })),
    );
    await eventually(async () => expect((await statuses()).confirmed ?? 0).toBeGreaterThan(0), { intervalMs: 20 });

    await testApp.app.close();

    const atStop = await statuses();
    expect(atStop.queued ?? 0).toBeGreaterThan(0);
    expect(atStop.signed ?? 0).toBe(0);
    expect(atStop.failed ?? 0).toBe(0);

    const restarted = await createTestApplication(testApp.config);
    try {
      await eventually(async () => expect(await statuses()).toEqual({ confirmed: REQUESTS }), { timeoutMs: 60_000, intervalMs: 200 });
    } finally {
      await restarted.close();
    }
    const balances = await Promise.all(
      holders.map((holder) =>
        testApp.chain.publicClient.readContract({
          address: testApp.chain.contractAddress,
          abi: havenAbi,
          functionName: 'balanceOf',
          args: [holder],
        }),
      ),
    );
    expect(balances).toEqual(Array(REQUESTS).fill(ONE));
  });
});
