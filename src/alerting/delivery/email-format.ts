import { adminLinks, type AlertNotice, noticeMessage, noticeTime, noticeTitle } from './alert-notice';

export interface AlertEmail {
  /** `[CRITICAL] Hot wallet cannot pay gas`, as the Python backend wrote them. */
  subject: string;
  html: string;
  text: string;
}

const SEVERITY_COLOURS = { info: '#2563eb', warning: '#d97706', error: '#dc2626', critical: '#7f1d1d' } as const;

/** The alert as an e-mail: what happened, since when, how often, the data, what to do, and where to act on it. */
export function alertEmail(notice: AlertNotice): AlertEmail {
  const { alert } = notice;
  const title = noticeTitle(notice);
  const links = adminLinks(alert.id);
  const facts: Array<[string, string]> = [
    ['Severity', alert.severity],
    ['Category', alert.category],
    ['Status', alert.status],
    ['First seen', alert.createdAt.toISOString()],
    ['Last seen', alert.lastOccurredAt.toISOString()],
    ['Occurrences', String(alert.occurrences)],
    ['Environment', notice.environment],
    ['Alert id', alert.id],
  ];
  const data = JSON.stringify(alert.data, null, 2);
  const message = noticeMessage(notice);
  const text = [
    title,
    '',
    message,
    '',
    ...facts.map(([name, value]) => `${name}: ${value}`),
    '',
    'Data:',
    data,
    '',
    `Details: ${links.alert}`,
    `Acknowledge: ${links.acknowledge}`,
    `Resolve: ${links.resolve}`,
    `Event: ${notice.event} at ${noticeTime(notice).toISOString()}; delivery ${notice.deliveryId}`,
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; color: #111">
<h2 style="color: ${SEVERITY_COLOURS[alert.severity]}">[${escapeHtml(alert.severity.toUpperCase())}] ${escapeHtml(title)}</h2>
<p style="white-space: pre-wrap">${escapeHtml(message)}</p>
<table cellpadding="4" style="border-collapse: collapse">
${facts.map(([name, value]) => `<tr><th align="left">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
</table>
<h3>Data</h3>
<pre style="background: #f3f4f6; padding: 8px">${escapeHtml(data)}</pre>
<p>Details: <code>${escapeHtml(links.alert)}</code><br>
Acknowledge: <code>${escapeHtml(links.acknowledge)}</code><br>
Resolve: <code>${escapeHtml(links.resolve)}</code></p>
<p style="color: #6b7280; font-size: small">Event: ${notice.event} at ${escapeHtml(noticeTime(notice).toISOString())}; delivery ${escapeHtml(notice.deliveryId)}</p>
</body></html>
`;
  return { subject: `[${alert.severity.toUpperCase()}] ${title}`, html, text };
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Alert titles, messages and data come from anywhere (a revert reason, a node's error): never markup. */
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
