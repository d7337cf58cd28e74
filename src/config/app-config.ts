import type { Address, Hex } from 'viem';

import { ConfigError } from './config.error';
import { BREAKER_NAMES, ENV_NAMES, EnvName, envSchema, EnvSettings } from './env.schema';

export type Environment = NonNullable<EnvSettings['ENVIRONMENT']>;
export type LogLevel = NonNullable<EnvSettings['LOG_LEVEL']>;

/** The validated, typed configuration every module reads through `AppConfigService`. */
export interface AppConfig {
  environment: Environment;
  logLevel: LogLevel;
  port: number;
  workers: number;
  allowedOrigins: string[];
  dataDir: string;
  database: {
    url: string;
    poolSize: number;
    /** Longest a single statement may run on a pooled connection before PostgreSQL cancels it. */
    statementTimeoutMs: number;
    /** Longest a transaction may sit idle before PostgreSQL ends its session, releasing its locks. */
    idleInTransactionTimeoutMs: number;
  };
  /** `url` absent: single instance, coordination in process. */
  redis: {
    url?: string;
    keyPrefix: string;
    /** A command unanswered after this long fails instead of holding its caller. */
    commandTimeoutMs: number;
  };
  chain: {
    rpcUrl: string;
    chainId: number;
    /** Blocks, counting the one holding it, before a mined transaction counts as `confirmed`. */
    confirmations: number;
    contractAddress: Address;
    /** The hot wallet's key, unless the pipeline signs with a custody wallet (`signerWalletId`). */
    backendPrivateKey?: Hex;
    /** Custody wallet whose active key signs every transaction; the key then lives only in custody. */
    signerWalletId?: string;
  };
  security: {
    walletEncryptionKeys: string[];
    kms: { enabled: boolean; keyId?: string; region?: string; endpoint?: string };
    adminApiKeys: string[];
    apiKeys: string[];
    adminAllowedIps: string[];
  };
  alerting: {
    email: {
      enabled: boolean;
      smtp: { host?: string; port: number; user?: string; password?: string };
      from?: string;
      to: string[];
    };
    webhook: { enabled: boolean; urls: string[] };
  };
  monitoring: { pendingTxThresholdMinutes: number; gasSpikeThreshold: number; intervalSeconds: number };
  /** Settings per breaker name; names without their own use `default`. */
  circuitBreakers: Record<'default' | (typeof BREAKER_NAMES)[number], BreakerConfig>;
  pipeline: {
    /** Queued mints with the same reason are packed into one batchMint of at most this many; 1 = never. */
    batchMintMaxSize: number;
    /** Ceiling on maxFeePerGas for sends and replacements (never for cancels); none if unset. */
    maxFeePerGasWei?: bigint;
    /** Sent but unconfirmed transactions per wallet, across instances; claiming waits beyond it. */
    maxInFlight: number;
  };
}

export interface BreakerConfig {
  failureThreshold: number;
  successThreshold: number;
  openTimeoutMs: number;
}

/** What must be present before the service can run, whichever way it was provided. */
const REQUIRED_TO_RUN: EnvName[] = [
  'DATABASE_URL',
  'RPC_URL',
  'CHAIN_ID',
  'HAVEN_CONTRACT_ADDRESS',
  'BACKEND_PRIVATE_KEY',
  'WALLET_ENCRYPTION_KEY',
  'ADMIN_API_KEY',
  'API_KEY',
];

/** Production never falls back to embedded services or in-process coordination. */
const REQUIRED_IN_PRODUCTION: EnvName[] = [...REQUIRED_TO_RUN, 'REDIS_URL'];

export type RawEnvironment = Record<string, string | undefined>;

/**
 * Parses and validates the environment once. Every problem is collected, so the operator
 * sees the whole list in one message; values are never echoed, only variable names.
 * `complete: false` checks formats (and production presence) but lets development leave
 * gaps for the embedded environment to fill.
 */
export function parseEnvironment(env: RawEnvironment, options: { complete: boolean }): EnvSettings {
  const present = Object.fromEntries(
    ENV_NAMES.map((name) => [name, env[name]?.trim()]).filter(([, value]) => value !== undefined && value !== ''),
  ) as Partial<Record<EnvName, string>>;
  const problems = new Map<string, string>();
  const result = envSchema.safeParse(present);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0]);
      if (!problems.has(name)) problems.set(name, issue.message);
    }
  }
  const settings = (result.success ? result.data : {}) as EnvSettings;
  const isProduction = present.ENVIRONMENT === 'production';
  const required = new Set<EnvName>(isProduction ? REQUIRED_IN_PRODUCTION : options.complete ? REQUIRED_TO_RUN : []);
  // A custody wallet can sign instead: then the hot key need not exist outside custody.
  if (present.BACKEND_SIGNER_WALLET_ID !== undefined) required.delete('BACKEND_PRIVATE_KEY');
  if (present.KMS_ENABLED === 'true') required.add('KMS_KEY_ID');
  if (present.ALERT_EMAIL_ENABLED === 'true') {
    for (const name of ['SMTP_HOST', 'SMTP_PORT', 'ALERT_FROM_EMAIL', 'ALERT_TO_EMAILS'] as const) required.add(name);
  }
  if (present.ALERT_WEBHOOK_ENABLED === 'true') required.add('ALERT_WEBHOOK_URLS');
  if (present.SMTP_USER !== undefined || present.SMTP_PASSWORD !== undefined) {
    required.add('SMTP_USER');
    required.add('SMTP_PASSWORD');
  }
  for (const name of required) {
    if (present[name] === undefined && !problems.has(name)) {
      problems.set(name, isProduction ? 'is required in production' : 'is required');
    }
  }
  if (Number(present.WORKERS ?? 1) > 1 && present.REDIS_URL === undefined && !problems.has('WORKERS')) {
    problems.set('WORKERS', 'more than one worker needs REDIS_URL for shared coordination');
  }
  const adminKeys = new Set(settings.ADMIN_API_KEY ?? []);
  if ((settings.API_KEY ?? []).some((key) => adminKeys.has(key)) && !problems.has('API_KEY')) {
    problems.set('API_KEY', 'must not share a key with ADMIN_API_KEY');
  }
  if (problems.size > 0) throw new ConfigError(problems);
  return settings;
}

/** Builds the typed configuration from a complete environment. */
export function loadConfig(env: RawEnvironment): AppConfig {
  const s = parseEnvironment(env, { complete: true });
  return {
    environment: s.ENVIRONMENT ?? 'development',
    logLevel: s.LOG_LEVEL ?? 'info',
    port: s.PORT ?? 8000,
    workers: s.WORKERS ?? 1,
    allowedOrigins: s.ALLOWED_ORIGINS ?? [],
    dataDir: s.HAVEN_DATA_DIR ?? '.haven',
    database: {
      url: s.DATABASE_URL!,
      poolSize: s.DATABASE_POOL_SIZE ?? 20,
      statementTimeoutMs: s.DATABASE_STATEMENT_TIMEOUT_MS ?? 30_000,
      idleInTransactionTimeoutMs: s.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS ?? 60_000,
    },
    redis: { url: s.REDIS_URL, keyPrefix: s.REDIS_KEY_PREFIX ?? 'haven:', commandTimeoutMs: s.REDIS_COMMAND_TIMEOUT_MS ?? 5000 },
    chain: {
      rpcUrl: s.RPC_URL!,
      chainId: s.CHAIN_ID!,
      confirmations: s.CONFIRMATIONS ?? defaultConfirmations(s.CHAIN_ID!),
      contractAddress: s.HAVEN_CONTRACT_ADDRESS! as Address,
      backendPrivateKey: s.BACKEND_PRIVATE_KEY as Hex | undefined,
      signerWalletId: s.BACKEND_SIGNER_WALLET_ID,
    },
    security: {
      walletEncryptionKeys: s.WALLET_ENCRYPTION_KEY!,
      kms: {
        enabled: s.KMS_ENABLED ?? false,
        keyId: s.KMS_KEY_ID,
        region: s.KMS_REGION ?? env.AWS_REGION,
        endpoint: s.KMS_ENDPOINT,
      },
      adminApiKeys: s.ADMIN_API_KEY!,
      apiKeys: s.API_KEY!,
      adminAllowedIps: s.ADMIN_ALLOWED_IPS ?? [],
    },
    alerting: {
      email: {
        enabled: s.ALERT_EMAIL_ENABLED ?? false,
        smtp: { host: s.SMTP_HOST, port: s.SMTP_PORT ?? 587, user: s.SMTP_USER, password: s.SMTP_PASSWORD },
        from: s.ALERT_FROM_EMAIL,
        to: s.ALERT_TO_EMAILS ?? [],
      },
      webhook: { enabled: s.ALERT_WEBHOOK_ENABLED ?? false, urls: s.ALERT_WEBHOOK_URLS ?? [] },
    },
    monitoring: {
      pendingTxThresholdMinutes: s.PENDING_TX_THRESHOLD_MINUTES ?? 5,
      gasSpikeThreshold: s.GAS_SPIKE_THRESHOLD ?? 2.0,
      intervalSeconds: s.MONITOR_INTERVAL_SECONDS ?? 60,
    },
    circuitBreakers: breakerConfigs(s),
    pipeline: {
      batchMintMaxSize: s.BATCH_MINT_MAX_SIZE ?? 100,
      maxInFlight: s.MAX_IN_FLIGHT_TRANSACTIONS ?? 1000,
      maxFeePerGasWei: s.MAX_FEE_PER_GAS_GWEI === undefined ? undefined : BigInt(Math.round(s.MAX_FEE_PER_GAS_GWEI * 1e9)),
    },
  };
}

/**
 * Local dev chains never reorganise. Base's sequencer reorganises rarely and shallowly: 10
 * blocks (20 s at its 2-second blocks) is the margin. Any other chain gets Ethereum's customary 12.
 */
export function defaultConfirmations(chainId: number): number {
  if (chainId === 31337 || chainId === 1337) return 1;
  if (chainId === 8453 || chainId === 84532) return 10;
  return 12;
}

function breakerConfigs(s: EnvSettings): AppConfig['circuitBreakers'] {
  // The per-breaker variables are generated from BREAKER_NAMES, so they are read by name.
  const values = s as unknown as Record<string, number | undefined>;
  const read = (infix: string, fallback: BreakerConfig): BreakerConfig => {
    const timeout = values[`CIRCUIT_BREAKER_${infix}TIMEOUT_SECONDS`];
    return {
      failureThreshold: values[`CIRCUIT_BREAKER_${infix}FAILURE_THRESHOLD`] ?? fallback.failureThreshold,
      successThreshold: values[`CIRCUIT_BREAKER_${infix}SUCCESS_THRESHOLD`] ?? fallback.successThreshold,
      openTimeoutMs: timeout === undefined ? fallback.openTimeoutMs : Math.round(timeout * 1000),
    };
  };
  const defaults = read('', { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 });
  return Object.assign(
    { default: defaults },
    ...BREAKER_NAMES.map((name) => ({ [name]: read(`${name.toUpperCase()}_`, defaults) })),
  ) as AppConfig['circuitBreakers'];
}
