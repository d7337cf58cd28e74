import { withClient } from '../support/database';

/**
 * Rows written on purpose for every call, whatever its input: they record that a call was
 * made, refused or looked something up, and change nothing else.
 * - `admin_request`, `admin_request_refused`: the audit of every admin call;
 * - `wallet_viewed`, `wallets_listed`: the audit of every admin read of custody;
 * - `wallet_create_refused`: the audit of a creation refused because the wallet exists.
 * The test checks separately that none of them names a wallet id an input should have been
 * refused for.
 */
export const CALL_AUDIT_ACTIONS = ['admin_request', 'admin_request_refused', 'wallet_viewed', 'wallets_listed', 'wallet_create_refused'];

/**
 * Tables of records about callers (refusals, rate limits), or of the service's own periodic
 * work (the monitor's ticks and state), rather than of state an input could change.
 */
const EXCLUDED_TABLES = ['security_events', 'monitor_ticks', 'monitor_state'];

/**
 * `POST /api/v1/admin/alerts/test` takes no input: every admitted call sends a `system_test`
 * alert, on purpose. Its rows (and their deliveries) are left out like the call audit rows.
 */
const ON_PURPOSE_ROWS: Record<string, string> = {
  alert_logs: `WHERE t.category <> 'system_test'`,
  alert_deliveries: `WHERE t.alert_id NOT IN (SELECT id FROM alert_logs WHERE category = 'system_test')`,
};

export interface TableState {
  rows: number;
  /** md5 of every row's text, in a stable order. */
  hash: string;
}

export type DatabaseState = Record<string, TableState>;

/** Row count and content hash of every table of the database, call audit rows left out. */
export async function databaseState(url: string): Promise<DatabaseState> {
  return withClient(url, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const state: DatabaseState = {};
    for (const { name } of tables) {
      if (EXCLUDED_TABLES.includes(name)) continue;
      const where = name === 'wallet_audit_logs' ? `WHERE t.action <> ALL($1::text[])` : (ON_PURPOSE_ROWS[name] ?? '');
      const { rows } = await client.query<{ rows: number; hash: string | null }>(
        `SELECT count(*)::int AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS hash FROM "${name}" t ${where}`,
        name === 'wallet_audit_logs' ? [CALL_AUDIT_ACTIONS] : [],
      );
      state[name] = { rows: rows[0].rows, hash: rows[0].hash ?? '' };
    }
    return state;
  });
}

/**
 * The audit rows custody wrote for calls that reached it (reads, refused creations) after
 * `afterId`: action and wallet id. (The access log's rows quote the raw path; they are not these.)
 */
export async function custodyCallAuditRows(url: string, afterId: string): Promise<Array<{ action: string; wallet_id: string | null }>> {
  return withClient(
    url,
    async (client) =>
      (
        await client.query<{ action: string; wallet_id: string | null }>(
          `SELECT action, wallet_id FROM wallet_audit_logs WHERE id > $1 AND action = ANY($2::text[]) ORDER BY id`,
          [afterId, CALL_AUDIT_ACTIONS.filter((action) => !action.startsWith('admin_request'))],
        )
      ).rows,
  );
}

/** Audit rows written after `afterId` other than call audit rows, counted by action: each one a change. */
export async function otherAuditActions(url: string, afterId: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ action: string; count: number }>(
      `SELECT action, count(*)::int AS count FROM wallet_audit_logs
        WHERE id > $1 AND action <> ALL($2::text[]) GROUP BY action ORDER BY action`,
      [afterId, CALL_AUDIT_ACTIONS],
    );
    return Object.fromEntries(rows.map((row) => [row.action, row.count]));
  });
}

export async function lastAuditId(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string | null }>(`SELECT max(id)::text AS id FROM wallet_audit_logs`);
    return rows[0].id ?? '0';
  });
}
