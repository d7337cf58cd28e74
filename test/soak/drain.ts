import { withClient } from '../support/database';

export interface Outstanding {
  transactions: number;
  alertDeliveries: number;
  callbacks: number;
}

async function outstanding(databaseUrl: string): Promise<Outstanding> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<Outstanding>(
      `SELECT (SELECT count(*)::int FROM transactions WHERE status NOT IN ('confirmed', 'failed')) AS "transactions",
              (SELECT count(*)::int FROM alert_deliveries WHERE status = 'pending') AS "alertDeliveries",
              (SELECT count(*)::int FROM callback_deliveries WHERE status = 'pending') AS "callbacks"`,
    );
    return rows[0];
  });
}

/**
 * Waits until every stored request is final and every alert delivery and callback is
 * delivered or failed, or the deadline passes; returns what was still owed then.
 */
export async function drain(databaseUrl: string, deadlineMs: number, log: (line: string) => void): Promise<Outstanding> {
  const deadline = Date.now() + deadlineMs;
  let lastLog = 0;
  for (;;) {
    const owed = await outstanding(databaseUrl).catch(() => undefined);
    const done = owed !== undefined && owed.transactions === 0 && owed.alertDeliveries === 0 && owed.callbacks === 0;
    if (done || Date.now() > deadline) return owed ?? { transactions: -1, alertDeliveries: -1, callbacks: -1 };
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`draining: ${JSON.stringify(owed)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
