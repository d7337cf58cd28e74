import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type { TestApp } from './app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from './config';
import { bareEnvironment, REPO_ROOT } from './processes';

const run = promisify(execFile);

/**
 * `npm run custody:reencrypt`'s command, run as an operator would, against the test app's
 * database and chain; `env` gives the encryption settings (WALLET_ENCRYPTION_KEY, KMS_*).
 */
export function runReencryptCli(testApp: TestApp, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['-r', '@swc-node/register', 'src/custody/cli/reencrypt.ts'], {
    cwd: REPO_ROOT,
    env: cliEnvironment(testApp, env),
  });
}

/**
 * `npm run custody:import -- <args>`, run as an operator would against the test app's
 * database; resolves with its exit code whatever it is (1 is an expected answer).
 */
export async function runImportCli(
  testApp: TestApp,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', '@swc-node/register', 'src/custody/cli/import.ts', ...args], {
      cwd: REPO_ROOT,
      env: cliEnvironment(testApp, env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== 'number') throw error;
    return { code, stdout: stdout ?? '', stderr: stderr ?? '' };
  }
}

/** The service's configuration for the test app, as an operator's shell would give it to a CLI. */
function cliEnvironment(testApp: TestApp, env: Record<string, string>): Record<string, string> {
  return bareEnvironment({
    DATABASE_URL: testApp.database.url,
    REDIS_URL: testApp.config.redis.url!,
    RPC_URL: testApp.chain.rpcUrl,
    CHAIN_ID: String(testApp.chain.chainId),
    HAVEN_CONTRACT_ADDRESS: testApp.chain.contractAddress,
    BACKEND_PRIVATE_KEY: testApp.chain.backendPrivateKey,
    ADMIN_API_KEY: TEST_ADMIN_API_KEY,
    API_KEY: TEST_API_KEY,
    ENVIRONMENT: 'test',
    ...env,
  });
}
