import { freePort } from '../../src/embedded/anvil.process';
import { TEST_ADMIN_API_KEY, TEST_API_KEY, TEST_FERNET_KEY, TEST_REDIS_URL } from './config';
import { eventually } from './eventually';
import { bareEnvironment, type ServiceProcess, startServiceProcess } from './processes';

export interface ServiceInstance {
  url: string;
  process: ServiceProcess;
  /** SIGTERM, and wait for the process to exit. */
  stop(): Promise<void>;
}

export interface SharedServices {
  databaseUrl: string;
  chain: { rpcUrl: string; chainId: number; contractAddress: string; backendPrivateKey: string };
  redisKeyPrefix: string;
}

/** The environment an operator would give a real instance, pointing at the test's services. */
export function instanceEnvironment(shared: SharedServices, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return bareEnvironment({
    ENVIRONMENT: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    PORT: String(port),
    DATABASE_URL: shared.databaseUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: shared.redisKeyPrefix,
    RPC_URL: shared.chain.rpcUrl,
    CHAIN_ID: String(shared.chain.chainId),
    HAVEN_CONTRACT_ADDRESS: shared.chain.contractAddress,
    BACKEND_PRIVATE_KEY: shared.chain.backendPrivateKey,
    WALLET_ENCRYPTION_KEY: TEST_FERNET_KEY,
    ADMIN_API_KEY: TEST_ADMIN_API_KEY,
    API_KEY: TEST_API_KEY,
    // As in testConfig: only the tests about limits ever meet one.
    RATE_LIMIT_ADMIN_PER_MINUTE: '100000',
    RATE_LIMIT_CLIENT_PER_MINUTE: '1000000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
    ...extra,
  });
}

/** A real service process (`npm start`'s command) on a free port, ready when /health/ready answers. */
export async function startInstance(shared: SharedServices, extra: Record<string, string> = {}): Promise<ServiceInstance> {
  const port = await freePort();
  const process = startServiceProcess(instanceEnvironment(shared, port, extra));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (process.child.exitCode !== null) throw new Error(`instance exited early:\n${process.output()}`);
      const response = await fetch(`${url}/health/ready`);
      if (response.status !== 200) throw new Error(`not ready: ${response.status}`);
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return {
    url,
    process,
    stop: async () => {
      if (process.child.exitCode === null) process.child.kill('SIGTERM');
      await process.exited;
    },
  };
}
