import { randomUUID } from 'node:crypto';

import { type AppConfig, SEED_ALERT_ROUTES } from '../../src/config';

/** Valid Fernet key for tests only. */
export const TEST_FERNET_KEY = 'x4QGXhKzUQ3LmrVAvEJpI0sNfwLMSsWcF5lfrQJdCgw=';
export const TEST_ADMIN_API_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_API_KEY = 'test-client-key-0123456789abcdef';
export const TEST_CLIENT = 'default';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A complete configuration pointing at test services; tests change what they exercise. */
export function testConfig(parts: {
  databaseUrl: string;
  chain: { rpcUrl: string; chainId: number; contractAddress: `0x${string}`; backendPrivateKey: `0x${string}` };
  redisUrl?: string | null;
}): AppConfig {
  return {
    environment: 'test',
    logLevel: (process.env.TEST_LOG_LEVEL as AppConfig['logLevel'] | undefined) ?? 'silent',
    port: 0,
    workers: 1,
    processRole: 'all',
    allowedOrigins: [],
    dataDir: '.haven-test',
    http: { trustProxy: false, enforceHttps: false, apiDocsEnabled: true },
    // High enough that only the tests about limits ever meet one.
    rateLimits: { adminPerMinute: 100_000, clientPerMinute: 1_000_000, anonymousPerMinute: 100_000 },
    database: { url: parts.databaseUrl, poolSize: 5, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 },
    redis: {
      url: parts.redisUrl === null ? undefined : (parts.redisUrl ?? TEST_REDIS_URL),
      keyPrefix: `haven-test:${process.pid}:${randomUUID().slice(0, 8)}:`,
      commandTimeoutMs: 5000,
    },
    chain: {
      rpcUrl: parts.chain.rpcUrl,
      chainId: parts.chain.chainId,
      confirmations: 1,
      contractAddress: parts.chain.contractAddress,
      backendPrivateKey: parts.chain.backendPrivateKey,
    },
    security: {
      walletEncryptionKeys: [TEST_FERNET_KEY],
      kms: { enabled: false },
      adminApiKeys: [TEST_ADMIN_API_KEY],
      clientKeys: [{ client: TEST_CLIENT, key: TEST_API_KEY }],
      adminAllowedIps: [],
    },
    limits: { maxMintAmountWei: 10n ** 24n },
    alerting: {
      email: { enabled: false, smtp: { port: 587 }, to: [], escalationTo: [] },
      webhook: { enabled: false, targets: [], escalationTargets: [] },
      routes: {
        info: [...SEED_ALERT_ROUTES.info],
        warning: [...SEED_ALERT_ROUTES.warning],
        error: [...SEED_ALERT_ROUTES.error],
        critical: [...SEED_ALERT_ROUTES.critical],
      },
      groupingWindowMinutes: 15,
      escalationMinutes: 15,
    },
    monitoring: {
      pendingTxThresholdMinutes: 5,
      gasSpikeThreshold: 2,
      intervalSeconds: 60,
      hotWalletMinBalanceWei: 10n ** 16n,
      failureRateThreshold: 0.2,
      failureRateWindowMinutes: 15,
      breakerOpenAlertMinutes: 5,
    },
    callbacks: {},
    circuitBreakers: Object.fromEntries(
      ['default', 'blockchain', 'smtp', 'webhook', 'kms'].map((name) => [
        name,
        { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
      ]),
    ) as AppConfig['circuitBreakers'],
    pipeline: { batchMintMaxSize: 100, maxInFlight: 1000 },
  };
}

/** `config` with more named clients, each with its own key, beside the test's own client. */
export const withClientKeys = (config: AppConfig, ...clients: Array<{ client: string; key: string }>): AppConfig => ({
  ...config,
  security: { ...config.security, clientKeys: [...config.security.clientKeys, ...clients] },
});
