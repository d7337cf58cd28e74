import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { runMigrations } from '../../src/database/migrations.runner';
import { databaseUrl, TEMPLATE_DATABASE, withAdminClient } from './database';

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');
/** Serialises template rebuilds between jest runs sharing one PostgreSQL server. */
const TEMPLATE_LOCK_KEY = 0x4856_5454; // "HVTT"

/**
 * Runs once before all test files: makes sure `haven_test_template` holds exactly the
 * current migrations, so each e2e file can clone a migrated schema (`createTestDatabase`)
 * in milliseconds. The template is rebuilt only when the migration files changed (their
 * hash is kept as the database comment): several engineers' runs share this server, and
 * dropping the template under another run's feet would fail its clones.
 */
export default async function globalSetup(): Promise<void> {
  const fingerprint = `migrations:${migrationsHash()}`;
  await withAdminClient(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const { rows } = await client.query<{ comment: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
        [TEMPLATE_DATABASE],
      );
      if (rows[0]?.comment === fingerprint) return;
      await client.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
      await runMigrations(databaseUrl(TEMPLATE_DATABASE));
      // Written last: a template whose migrations failed is rebuilt on the next run.
      await client.query(`COMMENT ON DATABASE "${TEMPLATE_DATABASE}" IS '${fingerprint}'`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  });
}

function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  }
  return hash.digest('hex');
}
