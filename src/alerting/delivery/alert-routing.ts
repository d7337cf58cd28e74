import type { AppConfig } from '../../config/app-config';
import type { AlertChannel, WebhookTarget } from '../../config/env.schema';
import type { AlertSeverity } from '../alert.constants';

type AlertingConfig = AppConfig['alerting'];

/** A configured destination by its label: what a delivery row stores instead of a URL. */
export interface DeliveryTarget {
  channel: AlertChannel;
  /** `email`, `slack#1`, `pagerduty#2`, `webhook#1`; escalation recipients are prefixed `escalation:`. */
  target: string;
}

/** Where a label points now; resolved when sending, so no URL or address is ever stored. */
export type Destination = { channel: 'email'; recipients: string[] } | { channel: Exclude<AlertChannel, 'email'>; url: string };

const ESCALATION = 'escalation:';

/**
 * The targets of an alert of `severity`: its route's channels that are enabled and configured.
 * Email needs `email.enabled` and recipients; Slack, PagerDuty and generic webhooks need
 * `webhook.enabled` and URLs of that format, each URL a target of its own.
 */
export function routeTargets(severity: AlertSeverity, alerting: AlertingConfig): DeliveryTarget[] {
  const route = new Set(alerting.routes[severity]);
  return configuredTargets(alerting, 'route').filter(({ channel }) => route.has(channel));
}

/** Everyone who receives an escalated critical alert. */
export function escalationTargets(alerting: AlertingConfig): DeliveryTarget[] {
  return configuredTargets(alerting, 'escalation');
}

/** Every configured target, routed or escalation: what a test alert is sent to. */
export function everyTarget(alerting: AlertingConfig): DeliveryTarget[] {
  return [...configuredTargets(alerting, 'route'), ...configuredTargets(alerting, 'escalation')];
}

/** The destination a label names, or null if configuration no longer has it. */
export function destinationOf(target: string, alerting: AlertingConfig): Destination | null {
  const escalation = target.startsWith(ESCALATION);
  const label = escalation ? target.slice(ESCALATION.length) : target;
  if (label === 'email') {
    const recipients = escalation ? alerting.email.escalationTo : alerting.email.to;
    return alerting.email.enabled && recipients.length > 0 ? { channel: 'email', recipients } : null;
  }
  const match = /^(slack|pagerduty|webhook)#(\d+)$/.exec(label);
  if (match === null || !alerting.webhook.enabled) return null;
  const format = match[1] as Exclude<AlertChannel, 'email'>;
  const urls = webhooksOf(escalation ? alerting.webhook.escalationTargets : alerting.webhook.targets, format);
  const url = urls[Number(match[2]) - 1];
  return url === undefined ? null : { channel: format, url };
}

function configuredTargets(alerting: AlertingConfig, kind: 'route' | 'escalation'): DeliveryTarget[] {
  const prefix = kind === 'escalation' ? ESCALATION : '';
  const targets: DeliveryTarget[] = [];
  const recipients = kind === 'escalation' ? alerting.email.escalationTo : alerting.email.to;
  if (alerting.email.enabled && recipients.length > 0) targets.push({ channel: 'email', target: `${prefix}email` });
  if (!alerting.webhook.enabled) return targets;
  const webhooks = kind === 'escalation' ? alerting.webhook.escalationTargets : alerting.webhook.targets;
  for (const format of ['slack', 'pagerduty', 'webhook'] as const) {
    webhooksOf(webhooks, format).forEach((_url, index) => targets.push({ channel: format, target: `${prefix}${format}#${index + 1}` }));
  }
  return targets;
}

/** The URLs of one format, in configured order: `slack#2` is the second Slack URL. */
const webhooksOf = (targets: WebhookTarget[], format: WebhookTarget['format']): string[] =>
  targets.filter((target) => target.format === format).map((target) => target.url);
