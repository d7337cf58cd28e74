import { Logger } from '@nestjs/common';

import { ALERT_SEVERITIES, AlertCategory } from '../../src/alerting/alert.constants';
import { AlertService } from '../../src/alerting/alert.service';
import { alertFor } from '../../src/alerting/breaker-alerts';
import { startTestApp, type TestApp } from '../support/app';
import { withClient } from '../support/database';

describe('AlertService', () => {
  let testApp: TestApp;
  let alerts: AlertService;

  beforeAll(async () => {
    testApp = await startTestApp();
    alerts = testApp.app.get(AlertService);
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(() => testApp.close());

  const rows = (dedupKey: string) =>
    withClient(
      testApp.database.url,
      async (client) =>
        (
          await client.query(
            `SELECT id, severity, category, title, message, occurrences, status, data FROM alert_logs WHERE dedup_key = $1 ORDER BY created_at`,
            [dedupKey],
          )
        ).rows,
    );

  const sql = (text: string, values: unknown[]) => withClient(testApp.database.url, (client) => client.query(text, values));

  it('persists an alert, title, message and data, before anything else happens to it', async () => {
    const id = await alerts.raise({
      severity: 'warning',
      category: 'test',
      title: 'disk almost full',
      message: 'The data volume has 3% free. Free space or grow the volume before PostgreSQL stops accepting writes.',
      data: { free: '3%' },
      dedupKey: 'disk',
    });

    expect(await rows('disk')).toEqual([
      {
        id,
        severity: 'warning',
        category: 'test',
        title: 'disk almost full',
        message: 'The data volume has 3% free. Free space or grow the volume before PostgreSQL stops accepting writes.',
        occurrences: 1,
        status: 'open',
        data: { free: '3%' },
      },
    ]);
  });

  it('stores each of the four severities, and logs critical and error as errors, warning as a warning, info as a log', async () => {
    const calls: Array<[string, unknown]> = [];
    for (const level of ['error', 'warn', 'log'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        calls.push([level, args[1]]);
      });
    }

    for (const severity of ALERT_SEVERITIES) {
      await alerts.raise({
        severity,
        category: AlertCategory.SYSTEM_TEST,
        title: `${severity} alert`,
        message: `a ${severity}`,
        dedupKey: `four:${severity}`,
      });
    }

    const stored = await Promise.all(ALERT_SEVERITIES.map(async (severity) => (await rows(`four:${severity}`))[0]));
    expect(stored.map(({ severity, message, category }) => [severity, message, category])).toEqual([
      ['info', 'a info', 'system_test'],
      ['warning', 'a warning', 'system_test'],
      ['error', 'a error', 'system_test'],
      ['critical', 'a critical', 'system_test'],
    ]);
    expect(calls.filter(([, title]) => typeof title === 'string' && title.endsWith(' alert'))).toEqual([
      ['log', 'info alert'],
      ['warn', 'warning alert'],
      ['error', 'error alert'],
      ['error', 'critical alert'],
    ]);
  });

  it('refuses a fifth severity at the database', async () => {
    await expect(sql(`INSERT INTO alert_logs (severity, category, title, message) VALUES ('fatal', 'test', 't', 'm')`, [])).rejects.toThrow(
      /ck_alert_logs_severity/,
    );
  });

  it('groups repeats of an open alert on one row, keeping the latest message and data', async () => {
    const first = await alerts.raise({ severity: 'critical', category: 'test', title: 'rpc down', message: 'first try', dedupKey: 'rpc' });
    const second = await alerts.raise({
      severity: 'critical',
      category: 'test',
      title: 'rpc down',
      message: 'second try',
      data: { attempt: 2 },
      dedupKey: 'rpc',
    });

    expect(second).toBe(first);
    expect(await rows('rpc')).toEqual([
      expect.objectContaining({ id: first, occurrences: 2, message: 'second try', data: { attempt: 2 } }),
    ]);
  });

  it('groups repeats of an acknowledged alert too, and starts a new alert after it is resolved', async () => {
    const raise = () =>
      alerts.raise({ severity: 'error', category: 'test', title: 'queue stuck', message: 'still stuck', dedupKey: 'stuck' });
    const first = await raise();
    await alerts.acknowledge(first, 'admin-key:test');
    expect(await raise()).toBe(first);

    await alerts.resolve(first, 'admin-key:test');
    const after = await raise();

    expect(after).not.toBe(first);
    expect(await rows('stuck')).toEqual([
      expect.objectContaining({ id: first, occurrences: 2, status: 'resolved' }),
      expect.objectContaining({ id: after, occurrences: 1, status: 'open' }),
    ]);
  });

  it('resolves a cleared condition by its key, once, and leaves other conditions open', async () => {
    const raise = (dedupKey: string) =>
      alerts.raise({ severity: 'warning', category: 'test', title: 'condition', message: 'holds', dedupKey });
    const held = await raise('condition:a');
    const other = await raise('condition:b');

    expect(await alerts.resolveCondition('condition:a', 'monitor')).toEqual([held]);
    expect(await alerts.resolveCondition('condition:a', 'monitor')).toEqual([]);
    expect(await alerts.resolveCondition('condition:never-raised', 'monitor')).toEqual([]);
    expect(await alerts.get(held)).toMatchObject({ status: 'resolved', resolvedBy: 'monitor' });
    expect(await alerts.get(other)).toMatchObject({ status: 'open' });
  });

  it('does not group a repeat that comes after the grouping window', async () => {
    const first = await alerts.raise({ severity: 'info', category: 'test', title: 'quiet', message: 'once', dedupKey: 'window' });
    await sql(`UPDATE alert_logs SET last_occurred_at = now() - interval '16 minutes' WHERE id = $1`, [first]);

    expect(await alerts.raise({ severity: 'info', category: 'test', title: 'quiet', message: 'again', dedupKey: 'window' })).not.toBe(
      first,
    );
  });

  it('keeps an alert whose title is longer than the column, shortened', async () => {
    const id = await alerts.raise({ severity: 'info', category: 'test', title: 't'.repeat(1000), message: 'long title', dedupKey: 'long' });

    const [row] = await rows('long');
    expect(row).toMatchObject({ id, title: `${'t'.repeat(255)}…` });
  });

  it('raises a breaker opening as critical for the chain and as a warning for a side channel, saying what to do', () => {
    const transition = (breaker: string) => ({
      breaker,
      from: 'closed' as const,
      to: 'open' as const,
      snapshot: { state: 'open' as const, failureCount: 5, successCount: 0, openedAt: 0, version: 1 },
      settings: { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
    });

    expect(alertFor(transition('blockchain'))).toMatchObject({
      severity: 'critical',
      dedupKey: 'circuit-breaker:blockchain:open',
      message: expect.stringContaining('POST /api/v1/admin/health/circuit-breakers/blockchain/reset'),
      data: expect.objectContaining({ breaker: 'blockchain', failure_count: 5 }),
    });
    expect(alertFor(transition('smtp'))).toMatchObject({ severity: 'warning', category: 'circuit_breaker' });
    expect(alertFor({ ...transition('smtp'), from: 'half_open', to: 'closed' })).toMatchObject({ severity: 'info' });
  });
});
