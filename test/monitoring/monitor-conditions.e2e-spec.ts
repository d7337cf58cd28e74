import request from 'supertest';
import { parseEther } from 'viem';

import { CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import { NonceManager } from '../../src/nonce/nonce-manager.service';
import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { requests, tokens } from '../support/pipeline-harness';
import { monitorEverySecond, ticksPass, waitForAlerts } from './monitor-support';

describe('the monitor, ticking every second, alerts once per condition and resolves it when it clears', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: monitorEverySecond({ breakerOpenAlertMinutes: 0.02, failureRateWindowMinutes: 0.2, failureRateThreshold: 0.2 }),
    });
  });

  afterAll(() => testApp?.close());

  const baselineWei = () =>
    withClient(testApp.database.url, async (client) => {
      const { rows } = await client.query<{ value: { baselineWei: string } }>(`SELECT value FROM monitor_state WHERE key = 'observed:gas'`);
      if (rows.length === 0) throw new Error('no gas reading yet');
      return BigInt(rows[0].value.baselineWei);
    });

  const setNextBaseFee = async (wei: bigint) => {
    const { testClient } = testApp.chain;
    await testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: wei });
    await testClient.mine({ blocks: 1 });
  };

  const scrape = async () => (await request(testApp.server).get('/metrics').expect(200)).text;

  it('raises gas_price_spike once when the base fee jumps to 3× its baseline, and resolves it when the fee falls back', async () => {
    await ticksPass(testApp.database.url, 1);
    const baseline = await baselineWei();

    await setNextBaseFee(3n * baseline);
    const [spike] = await waitForAlerts(testApp.database.url, 'gas_price_spike', (rows) => expect(rows).toHaveLength(1));
    expect(spike).toMatchObject({ severity: 'warning', status: 'open', dedup_key: 'gas_price_spike', occurrences: 1 });
    expect(spike.data).toMatchObject({ ratio: 3, threshold: 2 });
    // The spike lasts several ticks: still one alert, raised once, and the baseline has not chased it.
    await ticksPass(testApp.database.url, 3);
    expect(await waitForAlerts(testApp.database.url, 'gas_price_spike', () => undefined)).toMatchObject([
      { status: 'open', occurrences: 1 },
    ]);
    expect(Number(await baselineWei())).toBeLessThan(Number(baseline) * 1.1);
    const metrics = await scrape();
    expect(metrics).toMatch(new RegExp(`^haven_gas_price_gwei\\{chain_id="${testApp.chain.chainId}"\\} [0-9.]+$`, 'm'));
    expect(metrics).toMatch(/^haven_gas_price_baseline_gwei\{chain_id="\d+"\} [0-9.]+$/m);

    await setNextBaseFee(baseline);
    await waitForAlerts(testApp.database.url, 'gas_price_spike', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'monitor', occurrences: 1 }]),
    );
  });

  it('warns once about a hot wallet below HOT_WALLET_MIN_BALANCE_ETH, and resolves it once refilled', async () => {
    const { testClient, backendAddress } = testApp.chain;
    await testClient.setBalance({ address: backendAddress, value: parseEther('0.001') });

    const [low] = await waitForAlerts(testApp.database.url, 'hot_wallet_low_balance', (rows) => expect(rows).toHaveLength(1));
    expect(low).toMatchObject({ severity: 'warning', status: 'open', dedup_key: `hot_wallet_low_balance:${backendAddress}` });
    expect(low.data).toMatchObject({ balance_eth: '0.001', minimum_eth: '0.01' });
    expect(await scrape()).toContain(`haven_hot_wallet_balance_eth{address="${backendAddress}"} 0.001`);
    await ticksPass(testApp.database.url, 2);

    await testClient.setBalance({ address: backendAddress, value: parseEther('100') });
    await waitForAlerts(testApp.database.url, 'hot_wallet_low_balance', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'monitor', occurrences: 1 }]),
    );
  });

  it('raises circuit_breaker for a breaker open longer than BREAKER_OPEN_ALERT_MINUTES, and resolves it when the breaker closes', async () => {
    const breakers = testApp.app.get(CircuitBreakerRegistry);
    const breaker = breakers.register('monitor-probe');
    for (let i = 0; i < 5; i++) await breaker.execute(() => Promise.reject(new Error('dependency down'))).catch(() => undefined);
    expect(breaker.snapshot.state).toBe('open');

    const key = 'circuit_breaker:monitor-probe:open_too_long';
    const rows = await waitForAlerts(testApp.database.url, 'circuit_breaker', (all) =>
      expect(all.filter((row) => row.dedup_key === key)).toHaveLength(1),
    );
    expect(rows.find((row) => row.dedup_key === key)).toMatchObject({ severity: 'error', status: 'open', occurrences: 1 });

    await breakers.reset('monitor-probe');
    await waitForAlerts(testApp.database.url, 'circuit_breaker', (all) =>
      expect(all.filter((row) => row.dedup_key === key)).toMatchObject([{ status: 'resolved', resolved_by: 'monitor', occurrences: 1 }]),
    );
  });

  it('raises transaction_failed once per newly failed request, and a failure-rate alert while most settlements fail', async () => {
    // Redemptions of tokens the holder never had: each reverts on estimation and fails alone.
    const pipeline = requests(testApp);
    const holder = newAddress();
    const ids = await Promise.all(Array.from({ length: 10 }, () => pipeline.burn(holder, tokens(1))));
    await pipeline.waitFor(ids, 'failed');

    const failed = await waitForAlerts(testApp.database.url, 'transaction_failed', (rows) => expect(rows).toHaveLength(10));
    expect(failed.map((row) => row.dedup_key).sort()).toEqual(ids.map((id) => `transaction_failed:${id}`).sort());
    for (const row of failed) expect(row).toMatchObject({ severity: 'error', occurrences: 1 });
    const [rate] = await waitForAlerts(testApp.database.url, 'transaction_failure_rate', (rows) => expect(rows).toHaveLength(1));
    expect(rate).toMatchObject({ severity: 'error', status: 'open', dedup_key: 'transaction_failure_rate' });
    expect(rate.data).toMatchObject({ failed: 10, confirmed: 0, rate: 1 });

    // Later ticks alert about none of them again; once the window has passed them, the rate alert resolves.
    await waitForAlerts(testApp.database.url, 'transaction_failure_rate', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'monitor' }]),
    );
    const again = await waitForAlerts(testApp.database.url, 'transaction_failed', (rows) => expect(rows).toHaveLength(10));
    for (const row of again) expect(row.occurrences).toBe(1);
  });

  it('raises nonce_drift when the nonce counter stays behind the chain, and resolves it once resynced', async () => {
    const pipeline = requests(testApp);
    const { backendAddress, backendWallet } = testApp.chain;
    await pipeline.waitFor([await pipeline.mint()], 'confirmed');
    // Another sender with the same key takes the next nonce behind the service's back.
    await backendWallet.sendTransaction({ to: backendAddress, value: 0n });

    const key = `nonce_drift:${backendAddress}:behind`;
    const [drift] = await waitForAlerts(testApp.database.url, 'nonce_drift', (rows) => expect(rows).toHaveLength(1));
    expect(drift).toMatchObject({ severity: 'warning', status: 'open', dedup_key: key, occurrences: 1 });

    await testApp.app.get(NonceManager).resync(backendAddress, { leaseMs: 0 });
    await waitForAlerts(testApp.database.url, 'nonce_drift', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'monitor' }]),
    );
  });

  it('shows the last tick and the conditions it holds raised in /health', async () => {
    const { testClient, backendAddress } = testApp.chain;
    await testClient.setBalance({ address: backendAddress, value: parseEther('0.001') });
    await waitForAlerts(testApp.database.url, 'hot_wallet_low_balance', (rows) => expect(rows.at(-1)?.status).toBe('open'));

    const health = await request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY).expect(200);
    expect(health.body.monitoring.monitor).toMatchObject({
      interval_seconds: 1,
      last_tick_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      last_tick_instance: expect.any(String),
      active_conditions: { hot_wallet_low_balance: 1 },
    });
    await testClient.setBalance({ address: backendAddress, value: parseEther('100') });
  });
});
