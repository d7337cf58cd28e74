import type { ParsedMail } from 'mailparser';
import request from 'supertest';

import { AlertService } from '../../src/alerting/alert.service';
import { verifyPayloadSignature } from '../../src/outbox/payload-signature';
import { type AlertReceiver, type ReceivedAlert, startAlertReceiver } from '../support/alert-receiver';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/log-capture';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { allChannels, ROUTING_KEY, SIGNING_SECRET } from './alert-channels';

const SMTP_AUTH = { user: 'haven-alerts', password: 'smtp-password-0123456789' };
/** Slack keeps its key in the URL: this path is a secret like the others. */
const SLACK_PATH = '/services/T0001/B0001/slackUrlSecret0123';
const ESCALATION_MINUTES = 0.1;

interface Delivery {
  id: string;
  event: string;
  channel: string;
  target: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('alert delivery by e-mail, Slack, PagerDuty and signed JSON', () => {
  let smtp: TestSmtpServer;
  let receiver: AlertReceiver;
  let testApp: TestApp;
  let alerts: AlertService;
  const logs = captureLogs();

  beforeAll(async () => {
    [smtp, receiver] = await Promise.all([startSmtpServer({ auth: SMTP_AUTH }), startAlertReceiver()]);
    testApp = await startTestApp({
      logStream: logs.stream,
      config: (config) => ({
        ...config,
        alerting: {
          ...allChannels(config, {
            smtp,
            receiver,
            smtpAuth: SMTP_AUTH,
            to: ['ops@haven.test', 'security@haven.test'],
            escalationTo: ['oncall@haven.test'],
            escalationTargets: [{ format: 'pagerduty', url: receiver.url('/escalation/pagerduty') }],
            slackPath: SLACK_PATH,
          }),
          escalationMinutes: ESCALATION_MINUTES,
        },
      }),
    });
    alerts = testApp.app.get(AlertService);
  });

  afterAll(async () => {
    await testApp?.close();
    await Promise.all([smtp?.close(), receiver?.close()]);
  });

  const admin = (method: 'get' | 'post', path: string) => request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);
  const deliveriesOf = async (alertId: string): Promise<Delivery[]> => {
    const response = await admin('get', `/api/v1/admin/alerts/${alertId}`).expect(200);
    return response.body.deliveries as Delivery[];
  };
  /** Waits until every delivery of the alert is settled (none pending), and returns them. */
  const settled = (alertId: string, count: number) =>
    eventually(async () => {
      const deliveries = await deliveriesOf(alertId);
      expect(deliveries).toHaveLength(count);
      expect(deliveries.filter((delivery) => delivery.status === 'pending')).toEqual([]);
      return deliveries;
    });
  const mailsOf = (alertId: string, messages = smtp.messages): ParsedMail[] =>
    messages.filter((mail) => mail.headers.get('x-haven-alert') === alertId);
  const requestsOf = (alertId: string, path: string, received = receiver.received): ReceivedAlert[] =>
    received.filter((r) => r.path === path && r.rawBody.includes(alertId));
  const byTarget = (deliveries: Delivery[]) =>
    Object.fromEntries(deliveries.map((d) => [`${d.event} ${d.target}`, [d.status, d.attempts, d.last_error]]));

  it('sends a critical alert by e-mail ([CRITICAL] subject, HTML and text) and to Slack, PagerDuty and the signed JSON webhook', async () => {
    const id = await alerts.raise({
      severity: 'critical',
      category: 'hot_wallet_gas',
      title: 'Hot wallet cannot pay gas',
      message: 'The hot wallet holds 0.0001 ETH; mints wait. Send ETH to the hot wallet.',
      data: { balance_eth: '0.0001' },
      dedupKey: 'hot-wallet-gas',
    });

    const [mail] = await smtp.until((messages) => mailsOf(id, messages).length === 1 && mailsOf(id, messages));
    expect(mail.subject).toBe('[CRITICAL] Hot wallet cannot pay gas');
    expect(mail.from?.text).toBe('alerts@haven.test');
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((to) => to!.value.map((a) => a.address))).toEqual([
      'ops@haven.test',
      'security@haven.test',
    ]);
    expect(mail.html).toContain('The hot wallet holds 0.0001 ETH; mints wait. Send ETH to the hot wallet.');
    expect(mail.text).toContain('The hot wallet holds 0.0001 ETH; mints wait. Send ETH to the hot wallet.');
    expect(mail.text).toContain('Occurrences: 1');

    await receiver.until((all) => [SLACK_PATH, '/pagerduty', '/generic'].every((path) => requestsOf(id, path, all).length === 1));
    const [slack] = requestsOf(id, SLACK_PATH);
    expect(slack.body.text).toBe('[CRITICAL] Hot wallet cannot pay gas');
    expect(slack.body.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'header' })]));

    const [pagerDuty] = requestsOf(id, '/pagerduty');
    expect(pagerDuty.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'hot-wallet-gas',
      payload: {
        summary: '[CRITICAL] Hot wallet cannot pay gas',
        severity: 'critical',
        class: 'hot_wallet_gas',
        source: expect.any(String),
      },
    });

    const [generic] = requestsOf(id, '/generic');
    expect(generic.body).toMatchObject({
      title: 'Hot wallet cannot pay gas',
      message: 'The hot wallet holds 0.0001 ETH; mints wait. Send ETH to the hot wallet.',
      severity: 'critical',
      category: 'hot_wallet_gas',
      data: { balance_eth: '0.0001' },
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const signature = {
      signature: generic.headers['x-haven-signature'] as string,
      timestamp: generic.headers['x-haven-timestamp'] as string,
    };
    expect(verifyPayloadSignature(SIGNING_SECRET, signature, generic.rawBody)).toBe(true);
    expect(verifyPayloadSignature('some-other-secret-0123', signature, generic.rawBody)).toBe(false);

    const deliveries = await settled(id, 4);
    expect(byTarget(deliveries)).toEqual({
      'trigger email': ['delivered', 1, null],
      'trigger slack#1': ['delivered', 1, null],
      'trigger pagerduty#1': ['delivered', 1, null],
      'trigger webhook#1': ['delivered', 1, null],
    });
    // Every attempt of a delivery carries its id, so a receiver can drop a repeat.
    const ids = Object.fromEntries(deliveries.map((d) => [d.target, d.id]));
    expect([mail.headers.get('x-haven-delivery'), slack.deliveryId, pagerDuty.deliveryId, generic.deliveryId]).toEqual([
      ids.email,
      ids['slack#1'],
      ids['pagerduty#1'],
      ids['webhook#1'],
    ]);
  });

  it('sends a warning only along its route (e-mail, Slack, webhook; not PagerDuty) and only logs an info alert', async () => {
    const warning = await alerts.raise({
      severity: 'warning',
      category: 'queue_slow',
      title: 'Queue slow',
      message: 'Mints wait 2 minutes.',
    });
    const info = await alerts.raise({ severity: 'info', category: 'queue_slow', title: 'Queue back to normal', message: 'Nothing to do.' });

    const deliveries = await settled(warning, 3);
    expect(deliveries.map((d) => d.target).sort()).toEqual(['email', 'slack#1', 'webhook#1']);
    expect(mailsOf(warning).map((mail) => mail.subject)).toEqual(['[WARNING] Queue slow']);
    expect(requestsOf(warning, '/pagerduty')).toEqual([]);

    expect(await deliveriesOf(info)).toEqual([]);
    expect(logs.text()).toContain('Queue back to normal');
    expect([...mailsOf(info), ...receiver.received.filter((r) => r.rawBody.includes(info))]).toEqual([]);
  });

  it('counts 50 identical alerts within the grouping window on one alert, occurrences 50, and sends it once per target', async () => {
    const raise = () =>
      alerts.raise({
        severity: 'error',
        category: 'rpc_errors',
        title: 'RPC errors',
        message: 'The node fails calls.',
        dedupKey: 'rpc-errors',
      });

    const ids = await Promise.all(Array.from({ length: 50 }, raise));

    expect(new Set(ids).size).toBe(1);
    const [id] = ids;
    const deliveries = await settled(id, 3);
    expect(deliveries.map((d) => [d.target, d.status])).toEqual(
      expect.arrayContaining([
        ['email', 'delivered'],
        ['slack#1', 'delivered'],
        ['webhook#1', 'delivered'],
      ]),
    );
    const detail = await admin('get', `/api/v1/admin/alerts/${id}`).expect(200);
    expect(detail.body.occurrences).toBe(50);
    expect(mailsOf(id)).toHaveLength(1);
    expect(requestsOf(id, SLACK_PATH)).toHaveLength(1);
    expect(requestsOf(id, '/generic')).toHaveLength(1);
    const metrics = await request(testApp.server).get('/metrics').expect(200);
    expect(metrics.text).toContain('haven_alerts_raised_total{severity="error",category="rpc_errors"} 50');
  });

  it('escalates a critical alert left unacknowledged to the escalation recipients exactly once, with two instances looking', async () => {
    const second = await createTestApplication(testApp.config);
    try {
      const raise = (dedupKey: string) =>
        alerts.raise({ severity: 'critical', category: 'reorg', title: `Reorg ${dedupKey}`, message: 'Blocks were replaced.', dedupKey });
      const [left, acknowledged] = await Promise.all([raise('reorg-left'), raise('reorg-acknowledged')]);
      await admin('post', `/api/v1/admin/alerts/${acknowledged}/acknowledge`).expect(200);

      const escalation = await smtp.until(
        (messages) => mailsOf(left, messages).find((m) => m.subject === '[CRITICAL] Escalated: Reorg reorg-left'),
        30_000,
      );
      await receiver.until((all) => requestsOf(left, '/escalation/pagerduty', all).length > 0);

      expect(mailsOf(left).map((m) => m.subject)).toEqual(['[CRITICAL] Reorg reorg-left', '[CRITICAL] Escalated: Reorg reorg-left']);
      expect((Array.isArray(escalation.to) ? escalation.to : [escalation.to])[0]!.text).toBe('oncall@haven.test');
      expect(escalation.text).toContain('Not acknowledged within 6 seconds of being raised.');
      expect(requestsOf(left, '/escalation/pagerduty').map((r) => [r.body.event_action, r.body.dedup_key])).toEqual([
        ['trigger', 'reorg-left'],
      ]);
      const escalated = (await settled(left, 6)).filter((d) => d.event === 'escalate');
      expect(escalated.map((d) => [d.target, d.status]).sort()).toEqual([
        ['escalation:email', 'delivered'],
        ['escalation:pagerduty#1', 'delivered'],
      ]);
      expect((await deliveriesOf(acknowledged)).filter((d) => d.event === 'escalate')).toEqual([]);
      const [row] = await withClient(testApp.database.url, async (client) => {
        const result = await client.query<{ escalated_at: Date | null }>('SELECT escalated_at FROM alert_logs WHERE id = $1', [left]);
        return result.rows;
      });
      expect(row.escalated_at).toBeInstanceOf(Date);
    } finally {
      await second.close();
    }
  });

  it('tells PagerDuty of an acknowledgement and a resolution on the same dedup_key, in order, and the other channels that it was resolved', async () => {
    const id = await alerts.raise({
      severity: 'critical',
      category: 'contract_paused',
      title: 'Contract paused',
      message: 'Mints are held.',
      dedupKey: 'contract-paused',
    });
    // At once, while the trigger may still be on its way: the receiver must still hear them in order.
    await admin('post', `/api/v1/admin/alerts/${id}/acknowledge`).expect(200);
    await admin('post', `/api/v1/admin/alerts/${id}/resolve`).expect(200);

    const deliveries = await settled(id, 4 + 1 + 4);
    expect(deliveries.filter((d) => d.event !== 'trigger').map((d) => `${d.event} ${d.target}`)).toEqual(
      expect.arrayContaining(['acknowledge pagerduty#1', 'resolve email', 'resolve slack#1', 'resolve pagerduty#1', 'resolve webhook#1']),
    );
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect(requestsOf('contract-paused', '/pagerduty').map((r) => [r.body.event_action, r.body.dedup_key])).toEqual([
      ['trigger', 'contract-paused'],
      ['acknowledge', 'contract-paused'],
      ['resolve', 'contract-paused'],
    ]);
    expect(requestsOf(id, '/pagerduty')).toHaveLength(1); // acknowledge and resolve carry only the key
    expect(mailsOf(id).map((m) => m.subject)).toEqual(['[CRITICAL] Contract paused', '[CRITICAL] Resolved: Contract paused']);
    expect(requestsOf(id, '/generic').map((r) => [r.body.event, r.body.title])).toEqual([
      ['trigger', 'Contract paused'],
      ['resolve', 'Resolved: Contract paused'],
    ]);
  });

  it('resolves a cleared condition (AlertService.resolveCondition) at PagerDuty too', async () => {
    await alerts.raise({
      severity: 'critical',
      category: 'gas_price_spike',
      title: 'Gas spike',
      message: 'Fees 3x.',
      dedupKey: 'gas-spike',
    });
    await receiver.until((all) => requestsOf('gas-spike', '/pagerduty', all).length === 1);

    await alerts.resolveCondition('gas-spike', 'monitor');

    await receiver.until((all) => requestsOf('gas-spike', '/pagerduty', all).length === 2);
    expect(requestsOf('gas-spike', '/pagerduty').map((r) => r.body.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('takes a 4xx other than 408/429 as final: not retried, the delivery failed, and alert_delivery_failed raised', async () => {
    receiver.answerWith(({ path, body }) => ({
      status: path === '/pagerduty' && (body as { dedup_key?: string }).dedup_key === 'refused' ? 400 : 200,
    }));
    const id = await alerts.raise({ severity: 'critical', category: 'refusal', title: 'Refused', message: 'x', dedupKey: 'refused' });

    const deliveries = await settled(id, 4);
    expect(byTarget(deliveries)['trigger pagerduty#1']).toEqual(['failed', 1, 'HTTP 400']);
    expect(requestsOf('refused', '/pagerduty')).toHaveLength(1);
    const failure = await eventually(async () => {
      const response = await admin('get', '/api/v1/admin/alerts?category=alert_delivery_failed').expect(200);
      const found = (response.body.items as Array<{ dedup_key: string; severity: string; data: Record<string, unknown> }>).find(
        (alert) => alert.data.alert_id === id,
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(failure).toMatchObject({
      dedup_key: 'alert-delivery:pagerduty#1',
      severity: 'error',
      data: { final: true, reason: 'HTTP 400' },
    });
    receiver.answerWith(() => ({ status: 200 }));
  });

  it('retries a 429 (with Retry-After) and a 503 until the receiver takes them', async () => {
    const answered = new Set<string>();
    receiver.answerWith(({ path, deliveryId, body }) => {
      const flaky = JSON.stringify(body).includes('Flaky receivers');
      if (!flaky || answered.has(deliveryId)) return { status: 200 };
      answered.add(deliveryId);
      return path === SLACK_PATH ? { status: 429, headers: { 'retry-after': '1' } } : { status: 503 };
    });
    const id = await alerts.raise({ severity: 'warning', category: 'flaky', title: 'Flaky receivers', message: 'x' });

    const deliveries = await eventually(
      async () => {
        const all = byTarget(await deliveriesOf(id));
        expect(all).toMatchObject({
          'trigger slack#1': ['delivered', 2, 'HTTP 429'],
          'trigger webhook#1': ['delivered', 2, 'HTTP 503'],
        });
        return all;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(deliveries['trigger email']).toEqual(['delivered', 1, null]);
    expect(requestsOf(id, SLACK_PATH).map((r) => r.answeredStatus)).toEqual([429, 200]);
    expect(requestsOf(id, '/generic').map((r) => r.answeredStatus)).toEqual([503, 200]);
    receiver.answerWith(() => ({ status: 200 }));
  });

  it('counts deliveries by channel and outcome, and pending ones, in /metrics', async () => {
    const { text } = await request(testApp.server).get('/metrics').expect(200);

    expect(text).toMatch(/haven_alert_deliveries_total\{channel="pagerduty",outcome="failed"\} [1-9]/);
    expect(text).toMatch(/haven_alert_deliveries_total\{channel="slack",outcome="retry"\} [1-9]/);
    expect(text).toMatch(/haven_alert_deliveries_total\{channel="email",outcome="delivered"\} [1-9]/);
    expect(text).toMatch(/^haven_alert_deliveries_pending \d+$/m);
  });

  it('never shows a webhook URL, signing secret, routing key or SMTP password in logs, delivery rows or the admin API', async () => {
    const rows = await withClient(testApp.database.url, async (client) => (await client.query('SELECT * FROM alert_deliveries')).rows);
    const listed = await admin('get', '/api/v1/admin/alerts?limit=200').expect(200);
    const details = await Promise.all(
      (listed.body.items as Array<{ id: string }>).map(({ id }) => admin('get', `/api/v1/admin/alerts/${id}`)),
    );
    const seen = [logs.text(), JSON.stringify(rows), JSON.stringify(listed.body), ...details.map((d) => d.text)].join('\n');

    expect(rows.length).toBeGreaterThan(20);
    for (const secret of [SIGNING_SECRET, ROUTING_KEY, SMTP_AUTH.password, SLACK_PATH, receiver.url('')])
      expect(seen).not.toContain(secret);
  });
});
