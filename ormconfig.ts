/**
 * The TypeORM CLI's entry (`npm run migration:run|revert|generate`), and the one DataSource
 * definition: the options come from `dataSourceOptions`, shared with the Nest DatabaseModule
 * and the migration runner. Only `DATABASE_URL` and `DATABASE_POOL_SIZE` are read, straight
 * from the environment, so migrations run on a host without the service's other settings.
 */
import { DataSource } from 'typeorm';

import { dataSourceOptions, ENTITIES_GLOB, MIGRATION_TIMEOUTS } from './src/database/data-source.options';

function poolSizeFromEnv(raw: string | undefined): number {
  const value = Number(raw ?? 20);
  if (!Number.isInteger(value) || value < 1) throw new Error('DATABASE_POOL_SIZE must be a positive integer');
  return value;
}

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is not set (for the embedded development database, see <HAVEN_DATA_DIR>/postgres.json)');
}

export { dataSourceOptions };
// The CLI only migrates (run, revert, generate): it runs under the migration timeouts, and
// loads every entity so that `migration:generate` can compare them with the schema.
export default new DataSource({
  ...dataSourceOptions(url, poolSizeFromEnv(process.env.DATABASE_POOL_SIZE), MIGRATION_TIMEOUTS),
  entities: [ENTITIES_GLOB],
});
