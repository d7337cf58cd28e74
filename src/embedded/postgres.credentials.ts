import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a developer needs to reach the embedded cluster, kept in `<dataDir>/postgres.json`. */
export interface PostgresCredentials {
  port: number;
  user: string;
  password: string;
  database: string;
}

const DEFAULT_EMBEDDED_POSTGRES_PORT = 54_329;

export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'postgres.json');
}

/**
 * Loads the credentials recorded at first initialisation, or invents them. The password
 * is random per machine: the cluster listens on loopback only, but any local user could
 * otherwise connect with a well-known one. `port` overrides the recorded port.
 */
export function loadOrCreateCredentials(dataDir: string, port?: number): PostgresCredentials {
  const path = credentialsPath(dataDir);
  const recorded = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as PostgresCredentials) : undefined;
  const credentials: PostgresCredentials = {
    ...(recorded ?? {
      port: DEFAULT_EMBEDDED_POSTGRES_PORT,
      user: 'postgres',
      password: randomBytes(24).toString('base64url'),
      database: 'haven',
    }),
    ...(port !== undefined && { port }),
  };
  if (recorded?.port !== credentials.port) saveCredentials(path, credentials);
  return credentials;
}

export function credentialsUrl({ user, password, port, database }: PostgresCredentials): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Written whole then renamed, so a crash never leaves a half-written password behind. */
function saveCredentials(path: string, credentials: PostgresCredentials): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  renameSync(temporary, path);
}
