import type { AlertLog } from '../alert-log.entity';
import type { AlertDeliveryEvent } from './alert-delivery.entity';

/** What every format is built from: the alert as it stands when sent, and why it is sent. */
export interface AlertNotice {
  deliveryId: string;
  event: AlertDeliveryEvent;
  alert: Pick<
    AlertLog,
    | 'id'
    | 'severity'
    | 'category'
    | 'title'
    | 'message'
    | 'data'
    | 'status'
    | 'occurrences'
    | 'dedupKey'
    | 'createdAt'
    | 'lastOccurredAt'
    | 'acknowledgedAt'
    | 'acknowledgedBy'
    | 'resolvedAt'
    | 'resolvedBy'
    | 'escalatedAt'
  >;
  /** `production`, `staging`…: which deployment is speaking. */
  environment: string;
  escalationMinutes: number;
}

const ADMIN_ALERTS = '/api/v1/admin/alerts';

/** One incident per condition: the alert's dedupKey (repeats and re-raises share it), else its id. */
export const fingerprintOf = (alert: Pick<AlertLog, 'id' | 'dedupKey'>): string => alert.dedupKey ?? alert.id;

/** The title, marked with what happened to the alert when this is not its first sending. */
export function noticeTitle({ event, alert }: AlertNotice): string {
  if (event === 'escalate') return `Escalated: ${alert.title}`;
  if (event === 'acknowledge') return `Acknowledged: ${alert.title}`;
  if (event === 'resolve') return `Resolved: ${alert.title}`;
  return alert.title;
}

/** What happened and what to do: the alert's message, preceded by what this event means. */
export function noticeMessage({ event, alert, escalationMinutes }: AlertNotice): string {
  if (event === 'escalate')
    return `Not acknowledged within ${formatMinutes(escalationMinutes)} of being raised. Acknowledge it once someone is on it. ${alert.message}`;
  if (event === 'acknowledge') return `Acknowledged${by(alert.acknowledgedBy)}: someone is on it. ${alert.message}`;
  if (event === 'resolve') return `Resolved${by(alert.resolvedBy)}; nothing more to do. It was: ${alert.message}`;
  return alert.message;
}

/** When this event happened: first raised for a trigger, else when it was escalated, acknowledged or resolved. */
export function noticeTime({ event, alert }: AlertNotice): Date {
  if (event === 'escalate') return alert.escalatedAt ?? alert.lastOccurredAt;
  if (event === 'acknowledge') return alert.acknowledgedAt ?? alert.lastOccurredAt;
  if (event === 'resolve') return alert.resolvedAt ?? alert.lastOccurredAt;
  return alert.createdAt;
}

/** Admin API paths for the alert (relative: the service does not know the address it is reached at). */
export function adminLinks(alertId: string): { alert: string; acknowledge: string; resolve: string } {
  return {
    alert: `GET ${ADMIN_ALERTS}/${alertId}`,
    acknowledge: `POST ${ADMIN_ALERTS}/${alertId}/acknowledge`,
    resolve: `POST ${ADMIN_ALERTS}/${alertId}/resolve`,
  };
}

const by = (actor: string | null): string => (actor === null ? '' : ` by ${actor}`);

function formatMinutes(minutes: number): string {
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(minutes * 60)} seconds`;
}
