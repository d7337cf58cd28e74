import { type AppConfig, SEED_ALERT_ROUTES } from '../../config/app-config';
import { destinationOf, escalationTargets, everyTarget, routeTargets } from './alert-routing';

const alerting = (overrides: Partial<AppConfig['alerting']> = {}): AppConfig['alerting'] => ({
  email: {
    enabled: true,
    smtp: { host: 'smtp.example', port: 587 },
    from: 'alerts@haven.example',
    to: ['ops@haven.example'],
    escalationTo: ['cto@haven.example'],
  },
  webhook: {
    enabled: true,
    targets: [
      { format: 'slack', url: 'https://hooks.slack.com/services/T/B/one' },
      { format: 'webhook', url: 'https://receiver.example/alerts' },
      { format: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue' },
      { format: 'slack', url: 'https://hooks.slack.com/services/T/B/two' },
    ],
    escalationTargets: [{ format: 'slack', url: 'https://hooks.slack.com/services/T/B/oncall' }],
    secret: 'signing-secret-0123456789',
    pagerDutyRoutingKey: 'R0UT1NGKEY0123456789abcdefABCDEF',
  },
  routes: {
    info: [...SEED_ALERT_ROUTES.info],
    warning: [...SEED_ALERT_ROUTES.warning],
    error: [...SEED_ALERT_ROUTES.error],
    critical: [...SEED_ALERT_ROUTES.critical],
  },
  groupingWindowMinutes: 15,
  escalationMinutes: 15,
  ...overrides,
});

const labels = (targets: Array<{ target: string }>) => targets.map(({ target }) => target);

describe('alert routing', () => {
  it('sends info nowhere, warning and error to e-mail, Slack and webhooks, critical to PagerDuty as well', () => {
    expect(routeTargets('info', alerting())).toEqual([]);
    expect(labels(routeTargets('warning', alerting()))).toEqual(['email', 'slack#1', 'slack#2', 'webhook#1']);
    expect(labels(routeTargets('error', alerting()))).toEqual(['email', 'slack#1', 'slack#2', 'webhook#1']);
    expect(routeTargets('critical', alerting())).toEqual([
      { channel: 'email', target: 'email' },
      { channel: 'slack', target: 'slack#1' },
      { channel: 'slack', target: 'slack#2' },
      { channel: 'pagerduty', target: 'pagerduty#1' },
      { channel: 'webhook', target: 'webhook#1' },
    ]);
  });

  it('uses a channel only when it is enabled and configured', () => {
    const config = alerting();
    expect(labels(routeTargets('critical', { ...config, email: { ...config.email, enabled: false } }))).not.toContain('email');
    expect(labels(routeTargets('critical', { ...config, email: { ...config.email, to: [] } }))).not.toContain('email');
    expect(labels(routeTargets('critical', { ...config, webhook: { ...config.webhook, enabled: false } }))).toEqual(['email']);
  });

  it('follows configured routes, and a test goes to every target, escalation recipients included', () => {
    const config = alerting({ routes: { info: ['pagerduty'], warning: [], error: [], critical: [] } });
    expect(labels(routeTargets('info', config))).toEqual(['pagerduty#1']);
    expect(routeTargets('critical', config)).toEqual([]);
    expect(labels(everyTarget(config))).toEqual([
      'email',
      'slack#1',
      'slack#2',
      'pagerduty#1',
      'webhook#1',
      'escalation:email',
      'escalation:slack#1',
    ]);
    expect(labels(escalationTargets(config))).toEqual(['escalation:email', 'escalation:slack#1']);
  });

  it('resolves a label to its destination when sending, and to nothing once configuration dropped it', () => {
    const config = alerting();
    expect(destinationOf('slack#2', config)).toEqual({ channel: 'slack', url: 'https://hooks.slack.com/services/T/B/two' });
    expect(destinationOf('escalation:slack#1', config)).toEqual({ channel: 'slack', url: 'https://hooks.slack.com/services/T/B/oncall' });
    expect(destinationOf('email', config)).toEqual({ channel: 'email', recipients: ['ops@haven.example'] });
    expect(destinationOf('escalation:email', config)).toEqual({ channel: 'email', recipients: ['cto@haven.example'] });
    expect(destinationOf('slack#3', config)).toBeNull();
    expect(destinationOf('pagerduty#1', { ...config, webhook: { ...config.webhook, enabled: false } })).toBeNull();
  });
});
