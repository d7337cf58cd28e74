import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from 'pg';

/** Where tests may create and drop databases; any database on that server will do. */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

/** Fingerprint of the migration files: a template database is only ever one version of them. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  return hash.digest('hex');
}

/**
 * Named after the migrations it holds, so test runs of different trees sharing one server
 * (two checkouts, CI beside a developer) never rebuild each other's template.
 */
export const TEMPLATE_DATABASE = `haven_test_template_${migrationsHash().slice(0, 12)}`;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The admin URL pointed at another database on the same server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` on a fresh connection to `url`, closed afterwards whatever happens. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs statements on the admin connection (CREATE/DROP DATABASE cannot run in a transaction). */
export const withAdminClient = <T>(work: (client: Client) => Promise<T>): Promise<T> => withClient(TEST_ADMIN_URL, work);

/**
 * A fresh database cloned from the template migrated in global setup: every e2e file gets
 * its own rows, so files run in parallel without cleaning up after each other.
 * `migrated: false` gives an empty database, for testing the migrations themselves.
 */
export async function createTestDatabase({ migrated = true }: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `haven_test_${randomBytes(6).toString('hex')}`;
  const template = migrated ? TEMPLATE_DATABASE : 'template1';
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  let dropped: Promise<void> | undefined;
  return {
    url: databaseUrl(name),
    // FORCE ends connections a test forgot to close; dropping twice is harmless.
    drop: () =>
      (dropped ??= withAdminClient(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      })),
  };
}
