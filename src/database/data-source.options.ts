import { extname, join } from 'node:path';

import type { DataSourceOptions } from 'typeorm';

/**
 * `migrations/*.ts` when running from sources (swc-node, jest), `dist/migrations/*.js` when
 * compiled: this file's own extension tells which, so the two never mix.
 */
const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', `*${extname(__filename)}`);

/**
 * Every entity of the service, found by file name the same way: the `*.entity.ts` files under
 * `src/`, or their compiled `.js`. The service never uses this: each feature module registers
 * its own entities (`TypeOrmModule.forFeature`), and infrastructure imports no feature. Only
 * tooling that stands outside the modules loads them all: the TypeORM CLI (`migration:generate`
 * compares them with the schema) and the test that keeps entities and migrations in step.
 */
export const ENTITIES_GLOB = join(__dirname, '..', '**', `*.entity${extname(__filename)}`);

/** Server-side limits set on every pooled connection; `undefined` leaves the server's own setting. */
export interface SessionTimeouts {
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
}

/**
 * Migrations set no statement timeout (the server's own applies, none by default): an index
 * build or backfill may rightly take minutes, and the runner first waits on an advisory lock
 * for as long as another instance is migrating; cutting either would fail a working deploy.
 * Each migration issues its statements back to back, so the idle-in-transaction limit stays:
 * it releases the table locks of a runner stalled halfway (a suspended CLI) before the
 * service queues up behind them.
 */
export const MIGRATION_TIMEOUTS: SessionTimeouts = { idleInTransactionTimeoutMs: 60_000 };

/**
 * The one set of connection options, shared by the Nest DatabaseModule, the migration
 * runner and the TypeORM CLI (`ormconfig.ts`), so they can never disagree. Every caller
 * says which timeouts it runs under: the service's (from configuration) or `MIGRATION_TIMEOUTS`.
 * No entities: the DatabaseModule loads those its feature modules register, the CLI adds
 * `ENTITIES_GLOB`, and migrations need none.
 */
export function dataSourceOptions(url: string, poolSize: number, timeouts: SessionTimeouts): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName: 'haven-backend',
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    // The schema belongs to the migrations alone.
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to create, so the
    // application role needs no CREATE privilege on the database.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    poolSize,
    // Queries are parameterised (extended protocol); `extra` goes straight to pg.Pool, whose
    // clients send the timeouts in the startup packet: they hold for the whole session and
    // override any role or database default. pg never sends a 0, so "none" is left out.
    extra: {
      max: poolSize,
      ...(timeouts.statementTimeoutMs ? { statement_timeout: timeouts.statementTimeoutMs } : {}),
      ...(timeouts.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs } : {}),
    },
    connectTimeoutMS: 10_000,
  };
}
