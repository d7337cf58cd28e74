import type { AppConfig } from '../../src/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';

/** An `alert_logs` row as the tests look at it. */
export interface AlertRow {
  id: string;
  severity: string;
  category: string;
  status: string;
  occurrences: number;
  dedup_key: string | null;
  resolved_by: string | null;
  data: Record<string, unknown>;
}

/** The monitor ticking every second, with the other settings a test changes. */
export const monitorEverySecond =
  (monitoring: Partial<AppConfig['monitoring']> = {}) =>
  (config: AppConfig): AppConfig => ({ ...config, monitoring: { ...config.monitoring, intervalSeconds: 1, ...monitoring } });

/** Alerts of a category, oldest first. */
export const alertsOf = (databaseUrl: string, category: string): Promise<AlertRow[]> =>
  withClient(
    databaseUrl,
    async (client) =>
      (
        await client.query<AlertRow>(
          `SELECT id, severity, category, status, occurrences, dedup_key, resolved_by, data FROM alert_logs
            WHERE category = $1 ORDER BY created_at, id`,
          [category],
        )
      ).rows,
  );

/** Waits until the alerts of `category` match `expectation`, and returns them. */
export const waitForAlerts = (
  databaseUrl: string,
  category: string,
  expectation: (rows: AlertRow[]) => void,
  timeoutMs = 20_000,
): Promise<AlertRow[]> =>
  eventually(
    async () => {
      const rows = await alertsOf(databaseUrl, category);
      expectation(rows);
      return rows;
    },
    { timeoutMs, intervalMs: 200 },
  );

/** Ticks recorded in `monitor_ticks`: number, instance, start. */
export const tickRows = (databaseUrl: string): Promise<Array<{ tick: string; instance_id: string; duration_ms: number | null }>> =>
  withClient(
    databaseUrl,
    async (client) => (await client.query(`SELECT tick::text, instance_id, duration_ms FROM monitor_ticks ORDER BY tick`)).rows,
  );

/** Waits until `count` more ticks have finished than had when called, so what they saw is settled. */
export async function ticksPass(databaseUrl: string, count: number, timeoutMs = 20_000): Promise<void> {
  const finished = async () => (await tickRows(databaseUrl)).filter((row) => row.duration_ms !== null).length;
  const start = await finished();
  await eventually(
    async () => {
      if ((await finished()) < start + count) throw new Error(`fewer than ${count} monitor ticks have passed`);
    },
    { timeoutMs, intervalMs: 100 },
  );
}
