import { withClient } from '../support/database';
import type { SoakEnvironment } from './environment';
import { WEBHOOK_PATH } from './environment';

export interface ChannelFindings {
  /** Deliveries the service created (one per alert event and target). */
  raised: number;
  delivered: number;
  pending: number;
  failed: number;
  /** Distinct deliveries the receiver accepted. */
  received: number;
  /** Marked delivered in the database, never accepted by the receiver. */
  deliveredButNotReceived: number;
}

export interface DeliveryFindings {
  alerts: number;
  alertsByCategory: Record<string, number>;
  /** Error and critical alerts other than tests, oldest first: what an operator was paged for. */
  notable: string[];
  channels: Record<'email' | 'webhook', ChannelFindings>;
  /** Test alerts raised during outages whose deliveries did not all arrive. */
  testAlertsUndelivered: string[];
  callbacks: ChannelFindings;
  /** Confirmed requests whose `transaction.confirmed` callback never reached the receiver. */
  confirmedWithoutCallback: number;
}

interface DeliveryRow {
  id: string;
  channel: string;
  status: string;
}

const DELIVERY_IN_EMAIL = /delivery ([0-9a-f-]{36})/;

/** Alert deliveries and callbacks as the database records them, against what the receivers got. */
export async function checkDeliveries(env: SoakEnvironment, testAlerts: readonly string[]): Promise<DeliveryFindings> {
  const data = await withClient(env.postgres.url, async (client) => ({
    alerts: (
      await client.query<{ category: string; count: number }>(`SELECT category, count(*)::int AS count FROM alert_logs GROUP BY category`)
    ).rows,
    notable: (
      await client.query<{ line: string }>(
        `SELECT severity || ' ' || category || ' x' || occurrences || ': ' || title || ' ' || left(coalesce(message, ''), 300)
                || ' ' || left(data::text, 400) AS line
           FROM alert_logs WHERE severity IN ('error', 'critical') AND category <> 'system_test' ORDER BY created_at LIMIT 10`,
      )
    ).rows.map((row) => row.line),
    deliveries: (await client.query<DeliveryRow & { alert_id: string }>(`SELECT id, alert_id, channel, status FROM alert_deliveries`)).rows,
    callbacks: (await client.query<DeliveryRow>(`SELECT id::text, 'callback' AS channel, status FROM callback_deliveries`)).rows,
    confirmedWithoutCallback: (
      await client.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM transactions t WHERE t.status = 'confirmed' AND NOT EXISTS
           (SELECT 1 FROM callback_deliveries c WHERE c.transaction_id = t.id AND c.event_status = 'confirmed' AND c.status = 'delivered')`,
      )
    ).rows[0].count,
  }));

  const emailIds = new Set(env.smtp.messages.map((mail) => DELIVERY_IN_EMAIL.exec(mail.text ?? '')?.[1]).filter((id) => id !== undefined));
  const webhookIds = new Set(env.webhook.delivered(WEBHOOK_PATH).map((post) => post.deliveryId));
  const callbackIds = new Set(env.callbacks.delivered().map((post) => post.deliveryId));
  const channel = (rows: readonly DeliveryRow[], received: ReadonlySet<string>): ChannelFindings => ({
    raised: rows.length,
    delivered: rows.filter((row) => row.status === 'delivered').length,
    pending: rows.filter((row) => row.status === 'pending').length,
    failed: rows.filter((row) => row.status === 'failed').length,
    received: received.size,
    deliveredButNotReceived: rows.filter((row) => row.status === 'delivered' && !received.has(row.id)).length,
  });
  const receivedFor = (row: DeliveryRow) => (row.channel === 'email' ? emailIds : webhookIds).has(row.id);
  const testAlertsUndelivered = testAlerts.filter((alertId) => {
    const rows = data.deliveries.filter((row) => row.alert_id === alertId);
    return rows.length < 2 || rows.some((row) => !receivedFor(row));
  });
  return {
    alerts: data.alerts.reduce((sum, row) => sum + row.count, 0),
    alertsByCategory: Object.fromEntries(data.alerts.map((row) => [row.category, row.count])),
    notable: data.notable,
    channels: {
      email: channel(
        data.deliveries.filter((row) => row.channel === 'email'),
        emailIds,
      ),
      webhook: channel(
        data.deliveries.filter((row) => row.channel === 'webhook'),
        webhookIds,
      ),
    },
    testAlertsUndelivered,
    callbacks: channel(data.callbacks, callbackIds),
    confirmedWithoutCallback: data.confirmedWithoutCallback,
  };
}
