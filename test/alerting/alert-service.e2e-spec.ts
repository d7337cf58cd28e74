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

  afterAll(() => testApp.close());

  const rows = (dedupKey: string) =>
    withClient(
      testApp.database.url,
      async (client) =>
        (await client.query(`SELECT id, severity, title, occurrences, status, details FROM alert_logs WHERE dedup_key = $1`, [dedupKey]))
          .rows,
    );

  it('persists an alert before anything else happens to it', async () => {
    const id = await alerts.raise({
      severity: 'warning',
      category: 'test',
      title: 'disk almost full',
      details: { free: '3%' },
      dedupKey: 'disk',
    });

    expect(await rows('disk')).toEqual([
      { id, severity: 'warning', title: 'disk almost full', occurrences: 1, status: 'open', details: { free: '3%' } },
    ]);
  });

  it('groups repeats of an open alert on one row instead of adding rows', async () => {
    const first = await alerts.raise({ severity: 'critical', category: 'test', title: 'rpc down', dedupKey: 'rpc' });
    const second = await alerts.raise({
      severity: 'critical',
      category: 'test',
      title: 'rpc down',
      details: { attempt: 2 },
      dedupKey: 'rpc',
    });

    expect(second).toBe(first);
    expect(await rows('rpc')).toEqual([expect.objectContaining({ id: first, occurrences: 2, details: { attempt: 2 } })]);
  });

  it('raises a breaker opening as critical for the chain and as a warning for a side channel', () => {
    const transition = (breaker: string) => ({
      breaker,
      from: 'closed' as const,
      to: 'open' as const,
      snapshot: { state: 'open' as const, failureCount: 5, successCount: 0, openedAt: 0, version: 1 },
      settings: { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
    });

    expect(alertFor(transition('blockchain'))).toMatchObject({ severity: 'critical', dedupKey: 'circuit-breaker:blockchain:open' });
    expect(alertFor(transition('smtp'))).toMatchObject({ severity: 'warning', category: 'circuit_breaker' });
    expect(alertFor({ ...transition('smtp'), from: 'half_open', to: 'closed' })).toMatchObject({ severity: 'info' });
  });
});
