import { adminLinks, type AlertNotice, noticeMessage, noticeTitle } from './alert-notice';

/** Slack's limits: a header holds 150 characters, a section's text 3,000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

/**
 * A Slack incoming-webhook body: `text` is the notification line (and what clients without
 * blocks show), the blocks carry message, facts and data.
 */
export function slackBody(notice: AlertNotice): object {
  const { alert } = notice;
  const line = `[${alert.severity.toUpperCase()}] ${noticeTitle(notice)}`;
  const links = adminLinks(alert.id);
  const field = (name: string, value: string) => ({ type: 'mrkdwn', text: `*${name}*\n${escapeSlack(value)}` });
  return {
    text: escapeSlack(line),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(line, HEADER_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(escapeSlack(noticeMessage(notice)), SECTION_MAX) } },
      {
        type: 'section',
        fields: [
          field('Severity', alert.severity),
          field('Category', alert.category),
          field('First seen', alert.createdAt.toISOString()),
          field('Occurrences', String(alert.occurrences)),
          field('Status', alert.status),
          field('Environment', notice.environment),
        ],
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: cut(`\`\`\`${escapeSlack(JSON.stringify(alert.data, null, 2))}\`\`\``, SECTION_MAX) },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: escapeSlack(`Alert ${alert.id} · ${links.acknowledge} · ${links.resolve}`) }],
      },
    ],
  };
}

/** Slack reads `<…>` as links and mentions and `&` as an entity: these three are escaped, as Slack documents. */
export const escapeSlack = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const cut = (value: string, max: number): string => (value.length > max ? `${value.slice(0, max - 1)}…` : value);
