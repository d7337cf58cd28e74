import { Client, TypeOverrides } from 'pg';

import type { PythonWalletRow } from './python-rows';

/** pg's type id for `timestamp without time zone`, which the Python backend writes in UTC. */
const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;

/**
 * Read-only access to the Python backend's database, for `custody:import`: one connection of
 * its own, outside this service's pool and TypeORM, because that schema is not ours and is
 * only ever read. Pages are in id order, so a run walks each table once.
 */
export class PythonBackendSource {
  private constructor(private readonly client: Client) {}

  static async connect(url: string): Promise<PythonBackendSource> {
    // pg would read a timestamp without time zone in this process's zone; the Python backend wrote UTC.
    const utc = new TypeOverrides();
    utc.setTypeParser(TIMESTAMP_WITHOUT_TIME_ZONE, (text) => new Date(`${text.replace(' ', 'T')}Z`));
    const client = new Client({ connectionString: url, types: utc });
    await client.connect();
    // Nothing this tool does writes to the Python backend's database; the session says so too.
    await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    return new PythonBackendSource(client);
  }

  /** Up to `limit` wallet rows after the one with id `after` (none: from the first), in id order. */
  async walletsAfter(after: string | undefined, limit: number): Promise<PythonWalletRow[]> {
    const { rows } = await this.client.query<PythonWalletRow & { id: number }>(
      `SELECT id, wallet_id, wallet_address, encrypted_private_key, encryption_version, kms_key_id, metadata, status,
              created_at, rotated_at, last_used_at
         FROM wallet_custody WHERE id > COALESCE($1::integer, -2147483648) ORDER BY id LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map((row) => ({ ...row, id: String(row.id) }));
  }

  /** The columns of its `wallet_audit_logs`, or null if it has no such table. */
  async auditColumns(): Promise<string[] | null> {
    const { rows } = await this.client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'wallet_audit_logs' ORDER BY ordinal_position`,
    );
    return rows.length === 0 ? null : rows.map((row) => row.column_name);
  }

  /**
   * Up to `limit` audit rows after `after` (none: from the first), ordered by `idColumn`.
   * The column name comes from information_schema, and is quoted as an identifier.
   */
  async auditAfter(idColumn: string, after: unknown, limit: number): Promise<Array<Record<string, unknown>>> {
    const id = this.client.escapeIdentifier(idColumn);
    const { rows } =
      after === undefined
        ? await this.client.query(`SELECT * FROM wallet_audit_logs ORDER BY ${id} LIMIT $1`, [limit])
        : await this.client.query(`SELECT * FROM wallet_audit_logs WHERE ${id} > $1 ORDER BY ${id} LIMIT $2`, [after, limit]);
    return rows as Array<Record<string, unknown>>;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
