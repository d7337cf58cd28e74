import type { AppConfig } from '../../src/config';
import type { AlertReceiver } from '../support/alert-receiver';
import type { TestSmtpServer } from '../support/smtp-server';

export const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
export const SIGNING_SECRET = 'webhook-signing-secret-0123456789';

/**
 * Every channel on: e-mail to the loopback SMTP server, and Slack, PagerDuty and generic JSON
 * receivers on the loopback HTTP receiver at `/slack`, `/pagerduty` and `/generic`. `escalation`
 * and `smtpAuth` are what tests vary.
 */
export function allChannels(
  config: AppConfig,
  parts: {
    smtp: TestSmtpServer;
    receiver: AlertReceiver;
    smtpAuth?: { user: string; password: string };
    to?: string[];
    escalationTo?: string[];
    escalationTargets?: AppConfig['alerting']['webhook']['escalationTargets'];
    slackPath?: string;
  },
): AppConfig['alerting'] {
  const { smtp, receiver } = parts;
  return {
    ...config.alerting,
    email: {
      enabled: true,
      smtp: { host: smtp.host, port: smtp.port, ...parts.smtpAuth },
      from: 'alerts@haven.test',
      to: parts.to ?? ['ops@haven.test'],
      escalationTo: parts.escalationTo ?? [],
    },
    webhook: {
      enabled: true,
      targets: [
        { format: 'slack', url: receiver.url(parts.slackPath ?? '/slack') },
        { format: 'pagerduty', url: receiver.url('/pagerduty') },
        { format: 'webhook', url: receiver.url('/generic') },
      ],
      escalationTargets: parts.escalationTargets ?? [],
      secret: SIGNING_SECRET,
      pagerDutyRoutingKey: ROUTING_KEY,
    },
  };
}
