import { hostname } from 'node:os';

import type { AlertSeverity } from '../alert.constants';
import { adminLinks, type AlertNotice, fingerprintOf, noticeMessage, noticeTime, noticeTitle } from './alert-notice';

/** PagerDuty's own severities; `error` and `warning` are among them. */
const PAGERDUTY_SEVERITY: Record<AlertSeverity, string> = { info: 'info', warning: 'warning', error: 'error', critical: 'critical' };
/** The Events API v2 caps `summary` at 1,024 characters. */
const SUMMARY_MAX = 1024;

/**
 * An Events API v2 event. `dedup_key` is the alert's fingerprint, so its trigger, escalation,
 * acknowledgement and resolution all land on one incident. Acknowledge and resolve carry no
 * payload: PagerDuty only reads the key and the action.
 */
export function pagerDutyBody(notice: AlertNotice, routingKey: string): object {
  const { alert } = notice;
  const action = notice.event === 'acknowledge' || notice.event === 'resolve' ? notice.event : 'trigger';
  const event = { routing_key: routingKey, event_action: action, dedup_key: fingerprintOf(alert) };
  if (action !== 'trigger') return event;
  const summary = `[${alert.severity.toUpperCase()}] ${noticeTitle(notice)}`;
  return {
    ...event,
    payload: {
      summary: summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary,
      source: hostname(),
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: noticeTime(notice).toISOString(),
      component: 'haven-token-backend',
      group: notice.environment,
      class: alert.category,
      custom_details: {
        message: noticeMessage(notice),
        data: alert.data,
        occurrences: alert.occurrences,
        first_seen: alert.createdAt.toISOString(),
        last_seen: alert.lastOccurredAt.toISOString(),
        alert_id: alert.id,
        event: notice.event,
        admin: adminLinks(alert.id),
      },
    },
  };
}
