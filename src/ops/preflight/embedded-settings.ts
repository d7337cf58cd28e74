import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { RawEnvironment } from '../../config/app-config';
import { credentialsPath, credentialsUrl, type PostgresCredentials } from '../../embedded/postgres.credentials';

/** Where `npm start` without configuration keeps what it made; see `startEmbeddedEnvironment`. */
const DEV_SECRETS_FILE = 'dev-secrets.json';
const CHAIN_RECORD_FILE = 'chain.json';
const DEFAULT_EMBEDDED_ANVIL_PORT = 8545;

/** `--embedded` was asked for, but there is nothing (or not everything) to check. */
export class EmbeddedRecordMissingError extends Error {
  constructor(path: string) {
    super(`${path} not found: start the embedded environment first (npm start with no configuration)`);
    this.name = 'EmbeddedRecordMissingError';
  }
}

/**
 * `--embedded`: the variables a running zero-configuration `npm start` uses, read from what it
 * recorded in HAVEN_DATA_DIR (secrets, PostgreSQL credentials, the contract it deployed) and
 * the anvil port it listens on. Read only: unlike the service, pre-flight starts and creates
 * nothing, so it checks the environment the developer actually has. Variables already set win,
 * as they do for the service.
 */
export function embeddedEnvironment(env: RawEnvironment): RawEnvironment {
  const dataDir = resolve(env.HAVEN_DATA_DIR?.trim() || '.haven');
  const given = (name: string) => (env[name]?.trim() ?? '') !== '';
  const provided: RawEnvironment = {};

  const secrets = readRecord<Record<string, string>>(join(dataDir, DEV_SECRETS_FILE));
  for (const [name, value] of Object.entries(secrets)) if (!given(name)) provided[name] = value;

  if (!given('DATABASE_URL')) {
    const credentials = readRecord<PostgresCredentials>(credentialsPath(dataDir));
    const port = given('EMBEDDED_POSTGRES_PORT') ? Number(env.EMBEDDED_POSTGRES_PORT) : credentials.port;
    provided.DATABASE_URL = credentialsUrl({ ...credentials, port });
  }

  if (!given('RPC_URL')) {
    const chain = readRecord<{ contractAddress: string; chainId: number }>(join(dataDir, CHAIN_RECORD_FILE));
    provided.RPC_URL = `http://127.0.0.1:${env.EMBEDDED_ANVIL_PORT?.trim() || DEFAULT_EMBEDDED_ANVIL_PORT}`;
    provided.CHAIN_ID = String(chain.chainId);
    if (!given('HAVEN_CONTRACT_ADDRESS')) provided.HAVEN_CONTRACT_ADDRESS = chain.contractAddress;
  }
  return { ...env, ...provided };
}

function readRecord<T>(path: string): T {
  if (!existsSync(path)) throw new EmbeddedRecordMissingError(path);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
