import type { INestApplication } from '@nestjs/common';
import type { Counter } from 'prom-client';

import { MetricsRegistry } from '../../src/metrics/metrics.registry';
import { MonitorScheduler } from '../../src/monitoring/monitor.scheduler';
import { MonitorStateRepository } from '../../src/monitoring/monitor-state.repository';
import { TickLock, tickLockKey } from '../../src/monitoring/tick-lock';
import { REDIS, type RedisConnection } from '../../src/redis/redis.module';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { alertsOf, monitorEverySecond, tickRows, ticksPass } from './monitor-support';

const ticksRanBy = async (app: INestApplication): Promise<number> => {
  const counter = app.get(MetricsRegistry).getSingleMetric('haven_monitor_ticks_total') as Counter;
  return (await counter.get()).values[0]?.value ?? 0;
};

describe('the monitor on three instances sharing one database, one Redis key prefix and one chain', () => {
  let first: TestApp;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    // A minimum no wallet reaches: the low-balance condition holds on every tick.
    first = await startTestApp({ config: monitorEverySecond({ hotWalletMinBalanceWei: 10n ** 30n }) });
    apps.push(first.app, await createTestApplication(first.config), await createTestApplication(first.config));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([first?.chain.stop(), first?.database.drop()]);
  });

  it('lets only one of the three take the Redis lock of a tick', async () => {
    const tick = BigInt(Math.floor(Date.now() / 1000)) * 1000n;
    const outcomes = await Promise.all(apps.map((app, i) => app.get(TickLock).acquire(tick, `instance-${i}`, 1000)));

    expect(outcomes.filter((outcome) => outcome === 'acquired')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'taken')).toHaveLength(2);
  });

  it("never runs a tick while another instance's tick is still running", async () => {
    let release!: () => void;
    const slowTick = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const running = new Promise<void>((resolve) => (entered = resolve));
    // The schedulers keep ticking every second, so a real tick may hold the lock at any moment:
    // the test takes it as soon as it is free, and only asserts once it holds it.
    const held = eventually(
      async () => {
        const outcome = await apps[1].get(MonitorStateRepository).whileNoOtherTickRuns(async () => {
          entered();
          await slowTick;
          return 'slow tick done';
        });
        if (outcome === undefined) throw new Error('a scheduled tick held the lock');
        return outcome;
      },
      { intervalMs: 20 },
    );
    await running;

    const overlapping = jest.fn(async () => 'ran');
    expect(await apps[0].get(MonitorStateRepository).whileNoOtherTickRuns(overlapping)).toBeUndefined();
    expect(overlapping).not.toHaveBeenCalled();

    release();
    expect(await held).toBe('slow tick done');
    await eventually(async () => expect(await apps[0].get(MonitorStateRepository).whileNoOtherTickRuns(overlapping)).toBe('ran'), {
      intervalMs: 20,
    });
  });

  it('runs each tick on exactly one instance, and raises a lasting condition once between them', async () => {
    await ticksPass(first.database.url, 6);
    // The last tick's lock in Redis names the instance the ledger says ran it.
    const latest = (await tickRows(first.database.url)).at(-1)!;
    expect(await first.app.get<RedisConnection>(REDIS)!.get(tickLockKey(BigInt(latest.tick)))).toBe(latest.instance_id);
    // Stopped, so the counters and the ledger are final and can be compared.
    await Promise.all(apps.map((app) => app.close()));

    const ticks = await tickRows(first.database.url);
    const instanceIds = apps.map((app) => app.get(MonitorScheduler).instanceId);
    const ran = await Promise.all(apps.map(ticksRanBy));
    expect(ticks.length).toBeGreaterThanOrEqual(6);
    // What each instance ran is exactly what the ledger says it ran: no tick ran twice anywhere.
    expect(ran).toEqual(instanceIds.map((id) => ticks.filter((tick) => tick.instance_id === id).length));
    expect(ran.reduce((sum, count) => sum + count, 0)).toBe(ticks.length);
    expect(new Set(ticks.map((tick) => tick.tick)).size).toBe(ticks.length);

    const alerts = await alertsOf(first.database.url, 'hot_wallet_low_balance');
    expect(alerts).toMatchObject([{ status: 'open', occurrences: 1 }]);
  });
});

describe('the monitor without Redis', () => {
  let testApp: TestApp;

  afterAll(() => testApp?.close());

  it('still ticks, in process', async () => {
    testApp = await startTestApp({ config: (config) => monitorEverySecond()({ ...config, redis: { ...config.redis, url: undefined } }) });

    await ticksPass(testApp.database.url, 3);

    const ticks = await tickRows(testApp.database.url);
    expect(new Set(ticks.map((tick) => tick.instance_id))).toEqual(new Set([testApp.app.get(MonitorScheduler).instanceId]));
    expect(await ticksRanBy(testApp.app)).toBe(ticks.length);
  });
});
