import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runMigrations } from '../../src/database/migrations.runner';
import { databaseUrl, TEMPLATE_DATABASE, withAdminClient } from './database';

/** Serialises template builds between jest runs sharing one PostgreSQL server. */
const TEMPLATE_LOCK_KEY = 0x4856_5454; // "HVTT"
const READY = 'migrated';

/**
 * Runs once before all test files: makes sure the template database for the current
 * migrations exists and is fully migrated, so each e2e file can clone a migrated schema
 * (`createTestDatabase`) in milliseconds. Built once per set of migration files.
 */
export default async function globalSetup(): Promise<void> {
  // Where the run's applications write their logs (see log-capture.ts); workers inherit it.
  process.env.HAVEN_TEST_RUN_DIR ??= mkdtempSync(join(tmpdir(), 'haven-test-run-'));
  await withAdminClient(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const { rows } = await client.query<{ comment: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
        [TEMPLATE_DATABASE],
      );
      if (rows[0]?.comment === READY) return;
      await client.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
      await runMigrations(databaseUrl(TEMPLATE_DATABASE));
      // Written last: a template whose migrations failed is rebuilt on the next run.
      await client.query(`COMMENT ON DATABASE "${TEMPLATE_DATABASE}" IS '${READY}'`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  });
}
