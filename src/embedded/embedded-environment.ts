import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { Logger } from '@nestjs/common';
import { type Address, createPublicClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { deployHaven } from '../chain/haven.deployer';
import type { EnvSettings, RawEnvironment } from '../config';
import { AnvilProcess } from './anvil.process';
import { type DevSecrets, loadOrCreateDevSecrets } from './dev-secrets';
import { EmbeddedPostgres } from './postgres.process';

/** Development fallbacks that were started, and the variables they provide. */
export interface EmbeddedEnvironment {
  env: RawEnvironment;
  stop(): Promise<void>;
}

const DEV_BALANCE_WEI = 10n ** 24n;
const DEV_SECRET_NAMES: Array<keyof DevSecrets> = ['WALLET_ENCRYPTION_KEY', 'ADMIN_API_KEY', 'API_KEY', 'BACKEND_PRIVATE_KEY'];
const logger = new Logger('EmbeddedEnvironment');

/**
 * Fills every gap a development start leaves: secrets, PostgreSQL, a local chain with HAVEN
 * deployed. Each part is skipped as soon as its variable is set, so a developer can point
 * at a real database while still using the local chain, and so on. Never used in production.
 */
export async function startEmbeddedEnvironment(settings: EnvSettings, env: RawEnvironment): Promise<EmbeddedEnvironment> {
  const dataDir = resolve(settings.HAVEN_DATA_DIR ?? '.haven');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const provided: RawEnvironment = {};
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopPart of stops.reverse()) await stopPart().catch((error) => logger.error(error));
  };

  try {
    if (DEV_SECRET_NAMES.some((name) => env[name] === undefined || env[name] === '')) {
      const { secrets, created, path } = loadOrCreateDevSecrets(dataDir);
      for (const [name, value] of Object.entries(secrets) as Array<[string, string]>)
        if (env[name] === undefined || env[name] === '') provided[name] = value;
      announceSecrets(provided, created, path);
    }

    if (settings.DATABASE_URL === undefined) {
      const postgres = await EmbeddedPostgres.start({ dataDir, port: settings.EMBEDDED_POSTGRES_PORT });
      stops.push(() => postgres.stop());
      provided.DATABASE_URL = postgres.url;
      logger.warn(`DATABASE_URL is not set: using embedded PostgreSQL (data in ${join(dataDir, 'postgres')})`);
    }

    if (settings.RPC_URL === undefined) {
      const anvil = await AnvilProcess.start({
        host: '127.0.0.1',
        port: settings.EMBEDDED_ANVIL_PORT ?? 8545,
        blockTime: 2,
        statePath: join(dataDir, 'anvil-state.json'),
      });
      stops.push(() => anvil.stop());
      provided.RPC_URL = anvil.rpcUrl;
      provided.CHAIN_ID = String(anvil.chainId);
      logger.warn(`RPC_URL is not set: using a local anvil chain at ${anvil.rpcUrl} (2 s blocks)`);
      if (settings.HAVEN_CONTRACT_ADDRESS === undefined) {
        const backendKey = (env.BACKEND_PRIVATE_KEY ?? provided.BACKEND_PRIVATE_KEY) as Hex;
        provided.HAVEN_CONTRACT_ADDRESS = await ensureLocalContract(dataDir, anvil, backendKey);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { env: provided, stop };
}

/** Reuses the contract deployed on an earlier start when the chain state still has it. */
async function ensureLocalContract(dataDir: string, anvil: AnvilProcess, backendKey: Hex): Promise<string> {
  const recordPath = join(dataDir, 'chain.json');
  const client = createPublicClient({ transport: http(anvil.rpcUrl) });
  const backend = privateKeyToAccount(backendKey).address;
  // The dev key pays for gas on the local chain only.
  await client.request({ method: 'anvil_setBalance' as never, params: [backend, `0x${DEV_BALANCE_WEI.toString(16)}`] as never });
  if (existsSync(recordPath)) {
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as { contractAddress: Address };
    const code = await client.getCode({ address: record.contractAddress });
    if (code !== undefined && code !== '0x') return record.contractAddress;
  }
  const contractAddress = await deployHaven({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerKey: backendKey,
    minter: backend,
  });
  writeFileSync(recordPath, JSON.stringify({ contractAddress, chainId: anvil.chainId }, null, 2) + '\n');
  logger.log(`HAVEN deployed on the local chain at ${contractAddress}`);
  return contractAddress;
}

/** The keys a developer needs to call the API; shown in full once, when they are made. */
function announceSecrets(provided: RawEnvironment, created: boolean, path: string): void {
  if (Object.keys(provided).length === 0) return;
  if (!created) {
    logger.warn(`Using development secrets from ${path}`);
    return;
  }
  const lines = [
    '',
    '  Development secrets were generated (shown once; kept in ' + path + '):',
    provided.API_KEY === undefined ? undefined : `    client X-API-Key:  ${provided.API_KEY}`,
    provided.ADMIN_API_KEY === undefined ? undefined : `    admin  X-API-Key:  ${provided.ADMIN_API_KEY}`,
    '  Never use them outside this machine.',
    '',
  ];
  process.stdout.write(lines.filter((line) => line !== undefined).join('\n') + '\n');
}
