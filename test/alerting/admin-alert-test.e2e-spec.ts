import request from 'supertest';

import { AlertService } from '../../src/alerting/alert.service';
import { verifyPayloadSignature } from '../../src/outbox/payload-signature';
import { type AlertReceiver, startAlertReceiver } from '../support/alert-receiver';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { allChannels, SIGNING_SECRET } from './alert-channels';

describe('POST /api/v1/admin/alerts/test', () => {
  let smtp: TestSmtpServer;
  let receiver: AlertReceiver;
  let testApp: TestApp;

  beforeAll(async () => {
    [smtp, receiver] = await Promise.all([startSmtpServer(), startAlertReceiver()]);
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        alerting: {
          ...allChannels(config, {
            smtp,
            receiver,
            escalationTo: ['oncall@haven.test'],
            escalationTargets: [{ format: 'slack', url: receiver.url('/escalation/slack') }],
          }),
          // Every severity logged only: the test alert must go out all the same.
          routes: { info: [], warning: [], error: [], critical: [] },
        },
      }),
    });
  });

  afterAll(async () => {
    await testApp?.close();
    await Promise.all([smtp?.close(), receiver?.close()]);
  });

  const admin = (method: 'get' | 'post', path: string) => request(testApp.server)[method](path).set('X-API-Key', TEST_ADMIN_API_KEY);

  it('sends a system_test alert to every configured channel and escalation recipient even when every route is empty', async () => {
    const critical = await testApp.app
      .get(AlertService)
      .raise({ severity: 'critical', category: 'routed', title: 'Routed nowhere', message: 'x' });
    expect((await admin('get', `/api/v1/admin/alerts/${critical}`).expect(200)).body.deliveries).toEqual([]);

    const response = await admin('post', '/api/v1/admin/alerts/test').expect(202);

    expect(response.body).toMatchObject({ category: 'system_test', severity: 'info', status: 'open', occurrences: 1 });
    const id = response.body.id as string;
    expect((response.body.deliveries as Array<{ target: string; event: string }>).map((d) => [d.event, d.target]).sort()).toEqual([
      ['test', 'email'],
      ['test', 'escalation:email'],
      ['test', 'escalation:slack#1'],
      ['test', 'pagerduty#1'],
      ['test', 'slack#1'],
      ['test', 'webhook#1'],
    ]);

    const delivered = await eventually(async () => {
      const detail = await admin('get', `/api/v1/admin/alerts/${id}`).expect(200);
      const deliveries = detail.body.deliveries as Array<{
        status: string;
        attempts: number;
        last_error: string | null;
        delivered_at: string;
      }>;
      expect(deliveries.map((d) => [d.status, d.attempts, d.last_error])).toEqual(Array(6).fill(['delivered', 1, null]));
      return deliveries;
    });
    expect(delivered.every((d) => !Number.isNaN(Date.parse(d.delivered_at)))).toBe(true);

    const mails = smtp.messages.filter((mail) => mail.headers.get('x-haven-alert') === id);
    expect(mails.map((mail) => [mail.subject, (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text]).sort()).toEqual([
      ['[INFO] Test alert from the HAVEN token backend', 'oncall@haven.test'],
      ['[INFO] Test alert from the HAVEN token backend', 'ops@haven.test'],
    ]);
    const received = receiver.delivered().filter((r) => r.rawBody.includes(id) || r.body.dedup_key === id);
    expect(received.map((r) => r.path).sort()).toEqual(['/escalation/slack', '/generic', '/pagerduty', '/slack']);
    const byPath = Object.fromEntries(received.map((r) => [r.path, r]));
    expect(byPath['/pagerduty'].body).toMatchObject({ event_action: 'trigger', dedup_key: id, payload: { class: 'system_test' } });
    expect(byPath['/generic'].body).toMatchObject({ category: 'system_test', severity: 'info', event: 'test' });
    const signature = {
      signature: byPath['/generic'].headers['x-haven-signature'] as string,
      timestamp: byPath['/generic'].headers['x-haven-timestamp'] as string,
    };
    expect(verifyPayloadSignature(SIGNING_SECRET, signature, byPath['/generic'].rawBody)).toBe(true);
  });

  it('requires the admin key', async () => {
    const before = (await admin('get', '/api/v1/admin/alerts?category=system_test').expect(200)).body.items.length as number;

    for (const key of [undefined, TEST_API_KEY]) {
      const call = request(testApp.server).post('/api/v1/admin/alerts/test');
      const response = await (key === undefined ? call : call.set('X-API-Key', key));
      expect([response.status, response.body.error]).toEqual([401, 'INVALID_API_KEY']);
    }
    expect((await admin('get', '/api/v1/admin/alerts?category=system_test').expect(200)).body.items).toHaveLength(before);
  });

  it('answers 404 ALERT_NOT_FOUND for the deliveries of an unknown alert', async () => {
    const response = await admin('get', '/api/v1/admin/alerts/00000000-0000-4000-8000-000000000000').expect(404);

    expect(response.body.error).toBe('ALERT_NOT_FOUND');
  });
});
