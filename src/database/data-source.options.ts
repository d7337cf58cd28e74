import { extname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

import { AlertLog } from '../alerting/alert-log.entity';
import { WalletAuditLog } from '../custody/wallet-audit-log.entity';
import { WalletCustody } from '../custody/wallet-custody.entity';
import { ErrorLog } from '../errors/error-log.entity';
import { TransactionAttempt } from '../transactions/transaction-attempt.entity';
import { Transaction } from '../transactions/transaction.entity';

/** Listed, not globbed: a missing entity is a compile error, not a silent empty table. */
const ENTITIES = [AlertLog, ErrorLog, Transaction, TransactionAttempt, WalletAuditLog, WalletCustody];

/**
 * `migrations/*.ts` when running from sources (swc-node, jest), `dist/migrations/*.js` when
 * compiled: this file's own extension tells which, so the two never mix.
 */
const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', `*${extname(__filename)}`);

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
 */
export function dataSourceOptions(url: string, poolSize: number, timeouts: SessionTimeouts): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName: 'haven-backend',
    entities: ENTITIES,
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
      ...(timeouts.idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs }
        : {}),
    },
    connectTimeoutMS: 10_000,
  };
}
