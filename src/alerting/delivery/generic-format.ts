import { type AlertNotice, noticeMessage, noticeTime, noticeTitle } from './alert-notice';

/**
 * The generic JSON body. Its first six fields are exactly those of the Python backend's
 * webhook, `{title, message, severity, category, data, timestamp}`, so existing receivers keep
 * working; the others are additions, none renamed.
 */
export function genericBody(notice: AlertNotice): object {
  const { alert } = notice;
  return {
    title: noticeTitle(notice),
    message: noticeMessage(notice),
    severity: alert.severity,
    category: alert.category,
    data: alert.data,
    timestamp: noticeTime(notice).toISOString(),
    alert_id: alert.id,
    delivery_id: notice.deliveryId,
    event: notice.event,
    status: alert.status,
    occurrences: alert.occurrences,
    first_seen: alert.createdAt.toISOString(),
    last_seen: alert.lastOccurredAt.toISOString(),
    dedup_key: alert.dedupKey,
    environment: notice.environment,
  };
}
