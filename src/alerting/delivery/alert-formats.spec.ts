import type { AlertNotice } from './alert-notice';
import { alertEmail } from './email-format';
import { genericBody } from './generic-format';
import { pagerDutyBody } from './pagerduty-format';
import { slackBody } from './slack-format';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

const notice = (overrides: Partial<AlertNotice> = {}, alert: Partial<AlertNotice['alert']> = {}): AlertNotice => ({
  deliveryId: '11111111-2222-4333-8444-555555555555',
  event: 'trigger',
  environment: 'production',
  escalationMinutes: 15,
  ...overrides,
  alert: {
    id: '6f9619ff-8b86-4011-b42d-00c04fc964ff',
    severity: 'critical',
    category: 'hot_wallet_gas',
    title: 'Hot wallet cannot pay gas',
    message: 'The hot wallet holds 0.0001 ETH. Send ETH to 0xabc before queued mints time out.',
    data: { balance_eth: '0.0001', address: '0xabc' },
    status: 'open',
    occurrences: 3,
    dedupKey: 'hot-wallet:gas',
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    lastOccurredAt: new Date('2026-01-02T03:14:05.000Z'),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    escalatedAt: null,
    ...alert,
  },
});

const hostile = {
  title: 'Reverted <script>alert(1)</script> & "quoted"',
  message: 'Node said <b>no</b> & more',
  data: { reason: '<img src=x>' },
};

describe('alert e-mail', () => {
  it('has the subject [SEVERITY] title, and says what happened, since when, how often, the data and what to do in both parts', () => {
    const email = alertEmail(notice());

    expect(email.subject).toBe('[CRITICAL] Hot wallet cannot pay gas');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('The hot wallet holds 0.0001 ETH. Send ETH to 0xabc before queued mints time out.');
      expect(part).toContain('2026-01-02T03:04:05.000Z');
      expect(part).toMatch(/Occurrences.*3/);
      expect(part).toContain('balance_eth');
      expect(part).toContain('6f9619ff-8b86-4011-b42d-00c04fc964ff');
      expect(part).toContain('POST /api/v1/admin/alerts/6f9619ff-8b86-4011-b42d-00c04fc964ff/acknowledge');
    }
    expect(email.html).toMatch(/^<!doctype html>/);
  });

  it('escapes everything it shows in HTML: titles, messages and data come from anywhere', () => {
    const email = alertEmail(notice({}, hostile));

    expect(email.html).not.toMatch(/<script|<b>|<img/);
    expect(email.html).toContain('Reverted &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;');
    expect(email.html).toContain('Node said &lt;b&gt;no&lt;/b&gt; &amp; more');
    expect(email.html).toContain('&lt;img src=x&gt;');
    // The text part is plain text: shown as written.
    expect(email.text).toContain('Node said <b>no</b> & more');
  });

  it('marks escalation and resolution in the subject, keeping the severity first', () => {
    const escalated = alertEmail(notice({ event: 'escalate' }, { escalatedAt: new Date('2026-01-02T03:19:05Z') }));
    const resolved = alertEmail(notice({ event: 'resolve' }, { status: 'resolved', resolvedAt: new Date(), resolvedBy: 'monitor' }));

    expect(escalated.subject).toBe('[CRITICAL] Escalated: Hot wallet cannot pay gas');
    expect(escalated.text).toContain('Not acknowledged within 15 minutes');
    expect(resolved.subject).toBe('[CRITICAL] Resolved: Hot wallet cannot pay gas');
    expect(resolved.text).toContain('Resolved by monitor');
  });
});

describe('Slack body', () => {
  it('has a notification text and blocks with message, facts and data', () => {
    const body = slackBody(notice()) as { text: string; blocks: Array<{ type: string }> };

    expect(body.text).toBe('[CRITICAL] Hot wallet cannot pay gas');
    expect(body.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(JSON.stringify(body.blocks)).toContain('Send ETH to 0xabc');
    expect(JSON.stringify(body.blocks)).toContain('balance_eth');
  });

  it('escapes <, > and & in everything Slack reads as markup, so no text becomes a link or a mention', () => {
    const body = slackBody(notice({}, { ...hostile, message: 'wake <!channel> & <https://evil.example|click>' })) as {
      text: string;
      blocks: Array<{ type: string; text?: { type: string; text: string } }>;
    };
    // Everything but the header, which is plain_text: Slack shows it as written.
    const markup = JSON.stringify([body.text, body.blocks.filter((block) => block.text?.type !== 'plain_text')]);

    expect(markup).not.toMatch(/<!channel>|<https:|<script|<img/);
    expect(markup).toContain('wake &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(body.blocks[0].text).toEqual({ type: 'plain_text', text: '[CRITICAL] Reverted <script>alert(1)</script> & "quoted"' });
  });
});

describe('PagerDuty Events API v2 body', () => {
  it('triggers with routing_key, the fingerprint as dedup_key, and the payload PagerDuty requires', () => {
    const body = pagerDutyBody(notice(), ROUTING_KEY) as { payload: { source: string; custom_details: object } };

    expect(body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'hot-wallet:gas',
      payload: {
        summary: '[CRITICAL] Hot wallet cannot pay gas',
        severity: 'critical',
        timestamp: '2026-01-02T03:04:05.000Z',
        component: 'haven-token-backend',
        group: 'production',
        class: 'hot_wallet_gas',
      },
    });
    expect(body.payload.source).not.toBe('');
    expect(body.payload.custom_details).toMatchObject({
      message: 'The hot wallet holds 0.0001 ETH. Send ETH to 0xabc before queued mints time out.',
      data: { balance_eth: '0.0001', address: '0xabc' },
      occurrences: 3,
      first_seen: '2026-01-02T03:04:05.000Z',
      alert_id: '6f9619ff-8b86-4011-b42d-00c04fc964ff',
    });
  });

  it('acknowledges and resolves the same incident: same dedup_key, no payload; an escalation triggers it again', () => {
    for (const event of ['acknowledge', 'resolve'] as const) {
      expect(pagerDutyBody(notice({ event }), ROUTING_KEY)).toEqual({
        routing_key: ROUTING_KEY,
        event_action: event,
        dedup_key: 'hot-wallet:gas',
      });
    }
    expect(pagerDutyBody(notice({ event: 'escalate' }), ROUTING_KEY)).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'hot-wallet:gas',
    });
  });

  it("uses the alert's id as dedup_key when it has no dedupKey, and keeps PagerDuty's severities", () => {
    const body = pagerDutyBody(notice({}, { dedupKey: null, severity: 'error' }), ROUTING_KEY) as {
      dedup_key: string;
      payload: { severity: string };
    };

    expect(body.dedup_key).toBe('6f9619ff-8b86-4011-b42d-00c04fc964ff');
    expect(body.payload.severity).toBe('error');
  });
});

describe('generic JSON body', () => {
  it("carries the Python backend's six fields unrenamed, and only additions besides", () => {
    const body = genericBody(notice()) as Record<string, unknown>;

    expect(body).toMatchObject({
      title: 'Hot wallet cannot pay gas',
      message: 'The hot wallet holds 0.0001 ETH. Send ETH to 0xabc before queued mints time out.',
      severity: 'critical',
      category: 'hot_wallet_gas',
      data: { balance_eth: '0.0001', address: '0xabc' },
      timestamp: '2026-01-02T03:04:05.000Z',
    });
    expect(Object.keys(body).slice(0, 6)).toEqual(['title', 'message', 'severity', 'category', 'data', 'timestamp']);
    expect(body).toMatchObject({ alert_id: '6f9619ff-8b86-4011-b42d-00c04fc964ff', event: 'trigger', occurrences: 3 });
  });
});

describe('secrets', () => {
  it('never put the routing key anywhere but PagerDuty routing_key', () => {
    for (const event of ['trigger', 'escalate', 'acknowledge', 'resolve', 'test'] as const) {
      const email = alertEmail(notice({ event }));
      for (const text of [
        email.subject,
        email.html,
        email.text,
        JSON.stringify(slackBody(notice({ event }))),
        JSON.stringify(genericBody(notice({ event }))),
      ]) {
        expect(text).not.toContain(ROUTING_KEY);
      }
      const { routing_key: routingKey, ...rest } = pagerDutyBody(notice({ event }), ROUTING_KEY) as { routing_key: string };
      expect(routingKey).toBe(ROUTING_KEY);
      expect(JSON.stringify(rest)).not.toContain(ROUTING_KEY);
    }
  });
});
