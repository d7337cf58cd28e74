import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { WalletCustody, type WalletStatus } from '../../src/custody/wallet-custody.entity';
import { dataSourceOptions, ENTITIES_GLOB, MIGRATION_TIMEOUTS } from '../../src/database/data-source.options';
import { pendingMigrations, runMigrations } from '../../src/database/migrations.runner';
import { Transaction } from '../../src/transactions/transaction.entity';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** Every migration file, in the order its timestamp gives: adding one must not break this spec. */
const MIGRATION_COUNT = readdirSync(join(__dirname, '..', '..', 'migrations')).filter((file) => file.endsWith('.ts')).length;

const TABLES = [
  'alert_deliveries',
  'alert_logs',
  'callback_deliveries',
  'error_logs',
  'monitor_state',
  'monitor_ticks',
  'security_events',
  'transaction_attempts',
  'transactions',
  'wallet_audit_logs',
  'wallet_custody',
];

/** The indexes operators verify by name after a deploy. */
const OPERATOR_INDEXES = [
  ['wallet_custody', 'wallet_id'],
  ['wallet_custody', 'wallet_address'],
  ['wallet_custody', 'status'],
  ['wallet_audit_logs', 'wallet_id'],
  ['wallet_audit_logs', 'severity'],
  ['alert_logs', 'severity'],
  ['alert_logs', 'category'],
  ['error_logs', 'error_type'],
  ['error_logs', 'user_id'],
] as const;

describe('migrations on an empty database', () => {
  let database: TestDatabase;
  let client: Client;

  const appTables = async () =>
    (
      await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      )
    ).rows.map((row) => row.table_name);

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    client = new Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('applies every migration, in order, to an empty database', async () => {
    expect(await pendingMigrations(database.url)).toHaveLength(MIGRATION_COUNT);

    const applied = await runMigrations(database.url);

    expect(applied).toHaveLength(MIGRATION_COUNT);
    expect(applied.slice(0, 6)).toEqual([
      'CreateTransactions1764300000000',
      'CreateTransactionAttempts1764300001000',
      'CreateWalletCustody1764300002000',
      'CreateWalletAuditLogs1764300003000',
      'CreateAlertLogs1764300004000',
      'CreateErrorLogs1764300005000',
    ]);
    const timestamps = applied.map((name) => Number(name.match(/\d+$/)![0]));
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(await appTables()).toEqual([...TABLES, 'migrations'].sort());
    expect(await pendingMigrations(database.url)).toEqual([]);
    expect(await runMigrations(database.url)).toEqual([]);
  });

  it('creates the nine indexes operators check under their ix_<table>_<column> names', async () => {
    const { rows } = await client.query<{ tablename: string; indexname: string; indexdef: string }>(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`,
    );
    for (const [table, column] of OPERATOR_INDEXES) {
      const index = rows.find((row) => row.indexname === `ix_${table}_${column}`);
      expect(index).toMatchObject({ tablename: table, indexdef: expect.stringContaining(`(${column})`) });
    }
  });

  it('reverts one migration at a time back to an empty schema', async () => {
    const dataSource = await new DataSource(dataSourceOptions(database.url, 1, MIGRATION_TIMEOUTS)).initialize();
    try {
      for (let remaining = MIGRATION_COUNT - 1; remaining >= 0; remaining--) {
        await dataSource.undoLastMigration({ transaction: 'each' });
        const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM migrations');
        expect(Number(rows[0].count)).toBe(remaining);
      }
    } finally {
      await dataSource.destroy();
    }
    // TypeORM's own bookkeeping table stays, empty; nothing of the application remains,
    // not even an index or a sequence.
    expect(await appTables()).toEqual(['migrations']);
    const { rows } = await client.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname NOT IN ('migrations', 'migrations_id_seq')
         AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND i.indrelid = 'migrations'::regclass)`,
    );
    expect(rows.map((row) => row.relname)).toEqual([]);
  });
});

describe('entity decorators', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Every entity, found the way the TypeORM CLI finds them.
    dataSource = await new DataSource({
      ...dataSourceOptions(database.url, 2, MIGRATION_TIMEOUTS),
      entities: [ENTITIES_GLOB],
    }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('match the migrated schema exactly (no drift)', async () => {
    // An entity the glob missed would be a table nothing compares.
    expect(dataSource.entityMetadatas.map((entity) => entity.tableName).sort()).toEqual(TABLES);
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });

  it('keep uint256 amounts exact as bigint', async () => {
    const amount = 2n ** 256n - 1n;
    const saved = await dataSource.getRepository(Transaction).save({
      clientId: 'default',
      kind: 'mint',
      status: 'queued',
      userId: 'user-1',
      address: `0x${'1'.repeat(40)}`,
      amount,
      reason: 'stay reward',
      idempotencyKey: 'key-1',
      requestHash: 'a'.repeat(64),
      chainId: 8453,
      nonce: 2n ** 63n - 1n,
    });
    const loaded = await dataSource.getRepository(Transaction).findOneByOrFail({ id: saved.id });
    expect(loaded).toMatchObject({ amount, nonce: 2n ** 63n - 1n, attemptCount: 0, gasUsed: null });
  });

  it('allow one active key per wallet id', async () => {
    const wallets = dataSource.getRepository(WalletCustody);
    const row = (status: WalletStatus) => ({
      walletId: 'hotel-42',
      walletAddress: `0x${'2'.repeat(40)}`,
      encryptedPrivateKey: 'gAAAA-not-a-real-token',
      encryptionScheme: 'fernet' as const,
      keyVersion: 1,
      status,
    });
    await wallets.insert([row('rotated'), row('rotated'), row('active')]);
    await expect(wallets.insert(row('active'))).rejects.toThrow(/ux_wallet_custody_active_wallet_id/);
  });
});
