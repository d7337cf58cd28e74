import { DataSource, MigrationExecutor } from 'typeorm';

import { dataSourceOptions, MIGRATION_TIMEOUTS } from './data-source.options';

/** Any constant works; it only has to be the same for every process of this service. */
const MIGRATION_LOCK_KEY = 0x4841_5645; // "HAVE"

/**
 * Applies pending migrations, each in its own transaction, and returns their names. A
 * session advisory lock serialises concurrent starts (several dev processes, test setup)
 * so two runners never race to create the same table.
 */
export async function runMigrations(url: string): Promise<string[]> {
  return withDataSource(url, async (dataSource) => {
    const queryRunner = dataSource.createQueryRunner();
    try {
      await queryRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((migration) => migration.name);
    } finally {
      // Releasing the connection without unlocking would leave the lock held by the pool.
      await queryRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await queryRunner.release();
    }
  });
}

/** Names of the migrations not yet applied, without changing anything. */
export async function pendingMigrations(url: string): Promise<string[]> {
  return withDataSource(url, async (dataSource) => {
    const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
    return pending.map((migration) => migration.name);
  });
}

async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  // One connection is all a migration needs.
  const dataSource = new DataSource(dataSourceOptions(url, 1, MIGRATION_TIMEOUTS));
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
