import { type Address, type Hex, parseUnits } from 'viem';

import { ConfigError } from './config.error';
import {
  type AlertChannel,
  BREAKER_NAMES,
  ENV_NAMES,
  EnvName,
  envSchema,
  EnvSettings,
  type RedisNode,
  type WebhookTarget,
} from './env.schema';

export type Environment = NonNullable<EnvSettings['ENVIRONMENT']>;
export type LogLevel = NonNullable<EnvSettings['LOG_LEVEL']>;
export type ProcessRoleName = NonNullable<EnvSettings['PROCESS_ROLE']>;

/** The validated, typed configuration every module reads through `AppConfigService`. */
export interface AppConfig {
  environment: Environment;
  logLevel: LogLevel;
  port: number;
  workers: number;
  /** `api`: HTTP only, no background loop; `worker`: the loops, and HTTP for probes and metrics only; `all`: both. */
  processRole: ProcessRoleName;
  /** CORS: exactly these origins may call from a browser (`*` only outside production). */
  allowedOrigins: string[];
  dataDir: string;
  http: {
    /** Whose `X-Forwarded-For`/`-Proto` to believe: nobody (false), N hops, or these proxies. */
    trustProxy: false | number | string[];
    /** Refuse plain HTTP (judged through a trusted proxy) and send HSTS. */
    enforceHttps: boolean;
    /** Serve `/docs` (Swagger UI and the OpenAPI document). */
    apiDocsEnabled: boolean;
    /** `/metrics` on this port only (not the public one); else behind `token`; else open outside production. */
    metricsPort?: number;
    metricsToken?: string;
    /** Bearer token that shows `/health` details, besides an admin key. */
    healthDetailsToken?: string;
  };
  /** Requests refused per minute beyond these counts, summed over every instance. */
  rateLimits: { adminPerMinute: number; clientPerMinute: number; anonymousPerMinute: number };
  database: {
    url: string;
    poolSize: number;
    /** Longest a single statement may run on a pooled connection before PostgreSQL cancels it. */
    statementTimeoutMs: number;
    /** Longest a transaction may sit idle before PostgreSQL ends its session, releasing its locks. */
    idleInTransactionTimeoutMs: number;
  };
  /**
   * At most one of `url` (one Redis), `sentinel` and `cluster`; none: single instance,
   * coordination in process. `redisMode` (src/redis) names which.
   */
  redis: {
    url?: string;
    /** A master/replica group watched by Redis Sentinel: the connection follows the master through a failover. */
    sentinel?: { sentinels: RedisNode[]; masterName: string; sentinelPassword?: string };
    /** Redis Cluster seed nodes: the connection learns the rest of the cluster from them. */
    cluster?: { nodes: RedisNode[] };
    /** The Redis nodes' password under Sentinel or Cluster (a `url` carries its own). */
    password?: string;
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
    /** Partner apps: each key names the client whose transactions it creates and sees. */
    clientKeys: ClientKey[];
    /** Admin routes answer only these addresses/CIDRs; empty: any address. */
    adminAllowedIps: string[];
  };
  limits: {
    /** Largest single mint, in wei. */
    maxMintAmountWei: bigint;
    /** Most one client may mint per UTC day, in wei, summed across instances; none if unset. */
    dailyMintLimitPerClientWei?: bigint;
  };
  alerting: {
    email: {
      enabled: boolean;
      smtp: { host?: string; port: number; user?: string; password?: string };
      from?: string;
      to: string[];
      /** Also receive critical alerts left unacknowledged past `escalationMinutes`. */
      escalationTo: string[];
    };
    webhook: {
      enabled: boolean;
      targets: WebhookTarget[];
      /** Also receive escalated critical alerts, each in its own format. */
      escalationTargets: WebhookTarget[];
      /** Signs the generic JSON body (HMAC-SHA256 over timestamp + body). */
      secret?: string;
      /** The Events API v2 `routing_key` for `pagerduty` targets. */
      pagerDutyRoutingKey?: string;
    };
    /** Channels per severity; an empty route is logged only. */
    routes: Record<AlertSeverityName, AlertChannel[]>;
    /** Repeats of an unresolved alert within this window are counted on its row, not sent again. */
    groupingWindowMinutes: number;
    /** A critical alert unacknowledged this long is sent to the escalation recipients. */
    escalationMinutes: number;
  };
  monitoring: {
    pendingTxThresholdMinutes: number;
    gasSpikeThreshold: number;
    intervalSeconds: number;
    /** Below this the hot wallet is warned about before it cannot pay gas at all. */
    hotWalletMinBalanceWei: bigint;
    /** Failed share of settled transactions over the window above which an alert is raised. */
    failureRateThreshold: number;
    failureRateWindowMinutes: number;
    /** A breaker open longer than this raises an alert. */
    breakerOpenAlertMinutes: number;
  };
  /** Status callbacks to client apps, per client name. */
  callbacks: Record<string, ClientCallback>;
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

/** The alert severities, named here so configuration does not depend on the alerting module. */
export type AlertSeverityName = 'info' | 'warning' | 'error' | 'critical';

/** The seed's routing: info logged only, warning and error to the monitoring team, critical to on-call too. */
export const SEED_ALERT_ROUTES: Readonly<Record<AlertSeverityName, readonly AlertChannel[]>> = Object.freeze({
  info: [],
  warning: ['email', 'slack', 'webhook'],
  error: ['email', 'slack', 'webhook'],
  critical: ['email', 'slack', 'webhook', 'pagerduty'],
});

/**
 * Where a client's status callbacks go and the secret they are signed with. A request's own
 * `callbackUrl` must share this URL's origin, so callbacks never go anywhere else.
 */
export interface ClientCallback {
  url: string;
  secret: string;
}

export interface ClientKey {
  client: string;
  key: string;
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
const REQUIRED_IN_PRODUCTION: EnvName[] = [...REQUIRED_TO_RUN];

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
  const webhookTargets = [...(settings.ALERT_WEBHOOK_URLS ?? []), ...(settings.ALERT_ESCALATION_WEBHOOK_URLS ?? [])];
  if (webhookTargets.some(({ format }) => format === 'pagerduty')) required.add('ALERT_PAGERDUTY_ROUTING_KEY');
  if (webhookTargets.some(({ format }) => format === 'webhook')) required.add('ALERT_WEBHOOK_SECRET');
  if (present.SMTP_USER !== undefined || present.SMTP_PASSWORD !== undefined) {
    required.add('SMTP_USER');
    required.add('SMTP_PASSWORD');
  }
  for (const name of required) {
    if (present[name] === undefined && !problems.has(name)) {
      problems.set(name, isProduction ? 'is required in production' : 'is required');
    }
  }
  const redisModes = REDIS_MODE_VARIABLES.filter((name) => present[name] !== undefined);
  if (redisModes.length > 1) {
    for (const name of redisModes) {
      if (!problems.has(name)) problems.set(name, `set exactly one of ${REDIS_MODE_VARIABLES.join(', ')} (one Redis, Sentinel or Cluster)`);
    }
  }
  if (redisModes.length === 0 && isProduction && !problems.has('REDIS_URL')) {
    problems.set('REDIS_URL', `is required in production (or REDIS_SENTINELS, or REDIS_CLUSTER_NODES)`);
  }
  for (const [name, problem] of redisProblems(present)) if (!problems.has(name)) problems.set(name, problem);
  if (Number(present.WORKERS ?? 1) > 1 && redisModes.length === 0 && !problems.has('WORKERS')) {
    problems.set('WORKERS', 'more than one worker needs Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES) for shared coordination');
  }
  // `api` and `worker` only make sense beside instances of the other role, with which they share breakers, limits and locks.
  const hasRedis = [present.REDIS_URL, present.REDIS_SENTINELS, present.REDIS_CLUSTER_NODES].some((value) => value !== undefined);
  if ((present.PROCESS_ROLE ?? 'all') !== 'all' && !hasRedis && !problems.has('PROCESS_ROLE')) {
    problems.set('PROCESS_ROLE', 'api and worker run beside other instances and need Redis (REDIS_URL) for shared coordination');
  }
  const adminKeys = new Set(settings.ADMIN_API_KEY ?? []);
  if ((settings.API_KEY ?? []).some(({ key }) => adminKeys.has(key)) && !problems.has('API_KEY')) {
    problems.set('API_KEY', 'must not share a key with ADMIN_API_KEY');
  }
  for (const [name, problem] of callbackProblems(settings, isProduction)) if (!problems.has(name)) problems.set(name, problem);
  if (isProduction && settings.ALLOWED_ORIGINS?.includes('*') && !problems.has('ALLOWED_ORIGINS')) {
    problems.set('ALLOWED_ORIGINS', 'must list the origins themselves in production, not *');
  }
  if (problems.size > 0) throw new ConfigError(problems);
  return settings;
}

/** Exactly one of these chooses how the service reaches Redis. */
const REDIS_MODE_VARIABLES = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const satisfies EnvName[];

/** Settings that belong to one Redis mode only: set without it, they would silently do nothing. */
function redisProblems(present: Partial<Record<EnvName, string>>): Array<[EnvName, string]> {
  const problems: Array<[EnvName, string]> = [];
  const sentinel = present.REDIS_SENTINELS !== undefined;
  if (sentinel && present.REDIS_SENTINEL_NAME === undefined) problems.push(['REDIS_SENTINEL_NAME', 'is required with REDIS_SENTINELS']);
  if (!sentinel && present.REDIS_SENTINEL_NAME !== undefined) problems.push(['REDIS_SENTINEL_NAME', 'applies only with REDIS_SENTINELS']);
  if (!sentinel && present.REDIS_SENTINEL_PASSWORD !== undefined)
    problems.push(['REDIS_SENTINEL_PASSWORD', 'applies only with REDIS_SENTINELS']);
  if (present.REDIS_PASSWORD !== undefined && !sentinel && present.REDIS_CLUSTER_NODES === undefined) {
    problems.push(['REDIS_PASSWORD', 'applies only with REDIS_SENTINELS or REDIS_CLUSTER_NODES (REDIS_URL carries its own password)']);
  }
  return problems;
}

/** Each callback client needs a key to call with and a secret to verify with; one URL each. */
function callbackProblems(s: EnvSettings, isProduction: boolean): Array<[EnvName, string]> {
  const problems: Array<[EnvName, string]> = [];
  const urls = s.CLIENT_CALLBACK_URLS ?? [];
  const secrets = new Set((s.CLIENT_CALLBACK_SECRETS ?? []).map(({ client }) => client));
  const clients = new Set((s.API_KEY ?? []).map(({ client }) => client));
  const named = urls.map(({ client }) => client);
  if (new Set(named).size !== named.length) problems.push(['CLIENT_CALLBACK_URLS', 'must name each client once']);
  const unknown = named.filter((client) => s.API_KEY !== undefined && !clients.has(client));
  if (unknown.length > 0) problems.push(['CLIENT_CALLBACK_URLS', 'must name clients that have a key in API_KEY']);
  if (named.some((client) => !secrets.has(client)))
    problems.push(['CLIENT_CALLBACK_SECRETS', 'must hold a secret for every client in CLIENT_CALLBACK_URLS']);
  if (isProduction && urls.some(({ url }) => !url.startsWith('https://')))
    problems.push(['CLIENT_CALLBACK_URLS', 'must be https URLs in production']);
  return problems;
}

/** Builds the typed configuration from a complete environment. */
export function loadConfig(env: RawEnvironment): AppConfig {
  const s = parseEnvironment(env, { complete: true });
  return {
    environment: s.ENVIRONMENT ?? 'development',
    logLevel: s.LOG_LEVEL ?? 'info',
    port: s.PORT ?? 8000,
    workers: s.WORKERS ?? 1,
    processRole: s.PROCESS_ROLE ?? 'all',
    allowedOrigins: s.ALLOWED_ORIGINS ?? [],
    dataDir: s.HAVEN_DATA_DIR ?? '.haven',
    http: {
      trustProxy: s.TRUST_PROXY ?? false,
      enforceHttps: s.ENFORCE_HTTPS ?? false,
      apiDocsEnabled: s.API_DOCS_ENABLED ?? s.ENVIRONMENT !== 'production',
      metricsPort: s.METRICS_PORT,
      metricsToken: s.METRICS_TOKEN,
      healthDetailsToken: s.HEALTH_DETAILS_TOKEN,
    },
    rateLimits: {
      adminPerMinute: s.RATE_LIMIT_ADMIN_PER_MINUTE ?? 60,
      clientPerMinute: s.RATE_LIMIT_CLIENT_PER_MINUTE ?? 6000,
      anonymousPerMinute: s.RATE_LIMIT_ANONYMOUS_PER_MINUTE ?? 120,
    },
    database: {
      url: s.DATABASE_URL!,
      poolSize: s.DATABASE_POOL_SIZE ?? 20,
      statementTimeoutMs: s.DATABASE_STATEMENT_TIMEOUT_MS ?? 30_000,
      idleInTransactionTimeoutMs: s.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS ?? 60_000,
    },
    redis: {
      url: s.REDIS_URL,
      sentinel:
        s.REDIS_SENTINELS === undefined
          ? undefined
          : { sentinels: s.REDIS_SENTINELS, masterName: s.REDIS_SENTINEL_NAME!, sentinelPassword: s.REDIS_SENTINEL_PASSWORD },
      cluster: s.REDIS_CLUSTER_NODES === undefined ? undefined : { nodes: s.REDIS_CLUSTER_NODES },
      password: s.REDIS_PASSWORD,
      keyPrefix: s.REDIS_KEY_PREFIX ?? 'haven:',
      commandTimeoutMs: s.REDIS_COMMAND_TIMEOUT_MS ?? 5000,
    },
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
      clientKeys: s.API_KEY!,
      adminAllowedIps: s.ADMIN_ALLOWED_IPS ?? [],
    },
    limits: {
      maxMintAmountWei: parseUnits(s.MAX_MINT_AMOUNT ?? '1000000', 18),
      dailyMintLimitPerClientWei: s.DAILY_MINT_LIMIT_PER_CLIENT === undefined ? undefined : parseUnits(s.DAILY_MINT_LIMIT_PER_CLIENT, 18),
    },
    alerting: {
      email: {
        enabled: s.ALERT_EMAIL_ENABLED ?? false,
        smtp: { host: s.SMTP_HOST, port: s.SMTP_PORT ?? 587, user: s.SMTP_USER, password: s.SMTP_PASSWORD },
        from: s.ALERT_FROM_EMAIL,
        to: s.ALERT_TO_EMAILS ?? [],
        escalationTo: s.ALERT_ESCALATION_EMAILS ?? [],
      },
      webhook: {
        enabled: s.ALERT_WEBHOOK_ENABLED ?? false,
        targets: s.ALERT_WEBHOOK_URLS ?? [],
        escalationTargets: s.ALERT_ESCALATION_WEBHOOK_URLS ?? [],
        secret: s.ALERT_WEBHOOK_SECRET,
        pagerDutyRoutingKey: s.ALERT_PAGERDUTY_ROUTING_KEY,
      },
      routes: {
        info: s.ALERT_ROUTE_INFO ?? [...SEED_ALERT_ROUTES.info],
        warning: s.ALERT_ROUTE_WARNING ?? [...SEED_ALERT_ROUTES.warning],
        error: s.ALERT_ROUTE_ERROR ?? [...SEED_ALERT_ROUTES.error],
        critical: s.ALERT_ROUTE_CRITICAL ?? [...SEED_ALERT_ROUTES.critical],
      },
      groupingWindowMinutes: s.ALERT_GROUPING_WINDOW_MINUTES ?? 15,
      escalationMinutes: s.ALERT_ESCALATION_MINUTES ?? 15,
    },
    monitoring: {
      pendingTxThresholdMinutes: s.PENDING_TX_THRESHOLD_MINUTES ?? 5,
      gasSpikeThreshold: s.GAS_SPIKE_THRESHOLD ?? 2.0,
      intervalSeconds: s.MONITOR_INTERVAL_SECONDS ?? 60,
      hotWalletMinBalanceWei: parseUnits(s.HOT_WALLET_MIN_BALANCE_ETH ?? '0.01', 18),
      failureRateThreshold: s.FAILURE_RATE_ALERT_THRESHOLD ?? 0.2,
      failureRateWindowMinutes: s.FAILURE_RATE_WINDOW_MINUTES ?? 15,
      breakerOpenAlertMinutes: s.BREAKER_OPEN_ALERT_MINUTES ?? 5,
    },
    callbacks: Object.fromEntries(
      (s.CLIENT_CALLBACK_URLS ?? []).map(({ client, url }) => [
        client,
        { url, secret: s.CLIENT_CALLBACK_SECRETS!.find((entry) => entry.client === client)!.secret },
      ]),
    ),
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
