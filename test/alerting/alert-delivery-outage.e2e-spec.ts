import type { INestApplication } from '@nestjs/common';

import { AlertService } from '../../src/alerting/alert.service';
import type { AppConfig } from '../../src/config';
import { type AlertReceiver, startAlertReceiver } from '../support/alert-receiver';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { allChannels } from './alert-channels';

interface DeliveryRow {
  id: string;
  alert_id: string;
  target: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('alert delivery through an outage and a restart', () => {
  let smtp: TestSmtpServer;
  let receiver: AlertReceiver;
  let testApp: TestApp;
  let restarted: INestApplication | undefined;

  beforeAll(async () => {
    [smtp, receiver] = await Promise.all([startSmtpServer(), startAlertReceiver()]);
    testApp = await startTestApp({
      config: (config): AppConfig => ({
        ...config,
        alerting: allChannels(config, { smtp, receiver }),
        // An outage opens the breakers; a short open period keeps the test short once receivers return.
        circuitBreakers: {
          ...config.circuitBreakers,
          smtp: { failureThreshold: 5, successThreshold: 1, openTimeoutMs: 1_000 },
          webhook: { failureThreshold: 5, successThreshold: 1, openTimeoutMs: 1_000 },
        },
      }),
    });
  });

  afterAll(async () => {
    await restarted?.close();
    await Promise.all([testApp?.chain.stop(), testApp?.database.drop()]);
    await Promise.all([smtp?.close(), receiver?.close()]);
  });

  const rows = () =>
    withClient(
      testApp.database.url,
      async (client) =>
        (
          await client.query<DeliveryRow>(
            'SELECT id, alert_id, target, status, attempts, last_error FROM alert_deliveries ORDER BY created_at, target',
          )
        ).rows,
    );

  it('keeps alerts pending while SMTP and the webhook receiver are down, then delivers each exactly once after a restart', async () => {
    await Promise.all([smtp.pause(), receiver.pause()]);
    const alerts = testApp.app.get(AlertService);
    const critical = await alerts.raise({
      severity: 'critical',
      category: 'hot_wallet_gas',
      title: 'Hot wallet cannot pay gas',
      message: 'Send ETH.',
      dedupKey: 'outage-gas',
    });
    const warning = await alerts.raise({ severity: 'warning', category: 'queue_slow', title: 'Queue slow', message: 'Mints wait.' });

    // Every delivery was tried, refused, and is still pending, with the attempt and its reason on the row.
    const during = await eventually(async () => {
      const all = (await rows()).filter((row) => row.alert_id === critical || row.alert_id === warning);
      expect(all).toHaveLength(4 + 3);
      for (const row of all) {
        expect(row).toMatchObject({
          status: 'pending',
          attempts: expect.any(Number),
          last_error: expect.stringMatching(/network error|SMTP/),
        });
        expect(row.attempts).toBeGreaterThanOrEqual(1);
      }
      return all;
    });
    expect(during.map((row) => row.target).sort()).toEqual([
      'email',
      'email',
      'pagerduty#1',
      'slack#1',
      'slack#1',
      'webhook#1',
      'webhook#1',
    ]);

    // The instance goes away with its deliveries pending; the receivers come back; a new instance takes over.
    await testApp.app.close();
    await Promise.all([smtp.resume(), receiver.resume()]);
    restarted = await createTestApplication(testApp.config);

    const after = await eventually(
      async () => {
        const all = await rows();
        expect(all.filter((row) => row.status !== 'delivered')).toEqual([]);
        return all;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    // Each delivery (those of the breaker alerts the outage raised included) reached its receiver once.
    const webhookReceipts = receiver.delivered().map((r) => r.deliveryId);
    const mailReceipts = smtp.messages.map((mail) => mail.headers.get('x-haven-delivery') as string);
    const receipts = [...webhookReceipts, ...mailReceipts].sort();
    expect(receipts).toEqual(after.map((row) => row.id).sort());
    expect(after.filter((row) => row.alert_id === critical).map((row) => row.target)).toEqual([
      'email',
      'pagerduty#1',
      'slack#1',
      'webhook#1',
    ]);
    expect(smtp.messages.map((mail) => mail.subject)).toEqual(
      expect.arrayContaining(['[CRITICAL] Hot wallet cannot pay gas', '[WARNING] Queue slow']),
    );
  });
});
