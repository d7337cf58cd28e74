import { MigrationExecutor } from 'typeorm';

import { type CheckRow, fail, pass, type PreflightCheck } from '../preflight.check';
import type { PreflightResources } from '../preflight.resources';

/**
 * The database answers, and its schema has every migration this build ships. Read-only:
 * without a migrations table the pending list is every migration, rather than letting
 * TypeORM create the table (the application role may not even be allowed to).
 */
export function databaseCheck(resources: PreflightResources): PreflightCheck {
  return {
    name: 'database',
    async run(): Promise<CheckRow[]> {
      const dataSource = await resources.database();
      const [{ server_version: version }] = (await dataSource.query('SHOW server_version')) as Array<{ server_version: string }>;
      const [{ table }] = (await dataSource.query('SELECT to_regclass($1) AS table', [dataSource.options.migrationsTableName])) as Array<{
        table: string | null;
      }>;
      const pending =
        table === null
          ? dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name)
          : (await new MigrationExecutor(dataSource).getPendingMigrations()).map((migration) => migration.name);
      return [pass('database', `reachable, PostgreSQL ${version.split(' ')[0]}`), migrationsRow(pending, dataSource.migrations.length)];
    },
  };
}

function migrationsRow(pending: string[], shipped: number): CheckRow {
  if (pending.length === 0) return pass('migrations', `all ${shipped} migrations applied`);
  const first = pending.slice(0, 2).join(', ');
  return fail(
    'migrations',
    `${pending.length} of ${shipped} pending (${first}${pending.length > 2 ? ', …' : ''}); apply them with migration:run`,
  );
}
