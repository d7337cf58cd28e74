import { DataSource } from 'typeorm';

import { dataSourceOptions, MIGRATION_TIMEOUTS } from '../../src/database/data-source.options';
import { runMigrations } from '../../src/database/migrations.runner';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';

const MIGRATION = 'AlertParity1764800000000';

describe('migration AlertParity, with alerts in the table', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(database.url, async (client) => (await client.query<T>(text, values)).rows);
  const columns = async () =>
    (
      await sql<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'alert_logs' AND column_name IN ('details', 'data', 'message') ORDER BY column_name`,
      )
    ).map((row) => row.column_name);

  it('reverts to three severities (error becomes critical) and back, keeping the data and giving old rows their title as message', async () => {
    await sql(
      `INSERT INTO alert_logs (severity, category, title, message, data) VALUES
         ('error', 'transaction_failed', 'tx failed', 'what to do', '{"tx": 1}'),
         ('warning', 'gas_price_spike', 'gas high', 'wait', '{"gwei": 90}')`,
    );

    // Down to just before this migration, whatever was added after it.
    const dataSource = await new DataSource(dataSourceOptions(database.url, 1, MIGRATION_TIMEOUTS)).initialize();
    try {
      while ((await sql(`SELECT 1 FROM migrations WHERE name = $1`, [MIGRATION])).length > 0) {
        await dataSource.undoLastMigration({ transaction: 'each' });
      }
    } finally {
      await dataSource.destroy();
    }

    expect(await columns()).toEqual(['details']);
    expect(await sql(`SELECT severity, title, details FROM alert_logs ORDER BY title`)).toEqual([
      { severity: 'warning', title: 'gas high', details: { gwei: 90 } },
      { severity: 'critical', title: 'tx failed', details: { tx: 1 } },
    ]);

    await runMigrations(database.url);

    expect(await columns()).toEqual(['data', 'message']);
    expect(await sql(`SELECT severity, title, message, data FROM alert_logs ORDER BY title`)).toEqual([
      { severity: 'warning', title: 'gas high', message: 'gas high', data: { gwei: 90 } },
      { severity: 'critical', title: 'tx failed', message: 'tx failed', data: { tx: 1 } },
    ]);
  });
});
