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

/**
 * The one set of connection options, shared by the Nest DatabaseModule, the migration
 * runner and the TypeORM CLI (`ormconfig.ts`), so they can never disagree.
 */
export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
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
    // Queries are parameterised (extended protocol); `extra` goes straight to pg.Pool.
    extra: { max: poolSize },
    connectTimeoutMS: 10_000,
  };
}
