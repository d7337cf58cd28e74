import { isIP } from 'node:net';

import { isAddress } from 'viem';
import { z } from 'zod';

import { WALLET_ID_PATTERN, WALLET_ID_RULE } from '../common/ids';

/**
 * The environment variables the service reads, each documented in `.env.example`.
 * Every field is optional here: presence is decided per environment in `loadConfig`,
 * because development fills the gaps with embedded services.
 */

const FERNET_KEY = /^[A-Za-z0-9_-]{43}=$/;
const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;
const DAY_MS = 86_400_000;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** What one process does: serve the API (`api`), run the background work (`worker`), or both (`all`). */
export const PROCESS_ROLES = ['api', 'worker', 'all'] as const;

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
  .transform(Number)
  .pipe(z.number().positive());

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(':', ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(', ')})` },
  );

const emailList = z
  .string()
  .transform(list)
  .pipe(z.array(z.email('must be e-mail addresses separated by commas')).min(1));

const secretList = (minLength: number) =>
  z
    .string()
    .transform(list)
    .pipe(z.array(z.string().min(minLength, `each key must be at least ${minLength} characters`)).min(1));

/** Client names label rows, logs and rate-limit keys, so they are short and plain. */
export const CLIENT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** The client a key belongs to when `API_KEY` lists bare keys (the seed's single-key form). */
export const DEFAULT_CLIENT = 'default';

/**
 * `API_KEY` entries are `name:key` (a named partner; several entries with one name are that
 * partner's keys during a rotation) or a bare `key`, which belongs to the client `default`.
 */
const clientKeyList = z
  .string()
  .transform(list)
  .pipe(
    z
      .array(
        z.string().transform((entry, context) => {
          const colon = entry.indexOf(':');
          const [client, key] = colon < 0 ? [DEFAULT_CLIENT, entry] : [entry.slice(0, colon), entry.slice(colon + 1)];
          if (!CLIENT_NAME.test(client)) {
            context.addIssue({ code: 'custom', message: 'client names must be 1-64 of a-z 0-9 _ - (entries are name:key or key)' });
          } else if (key.length < 16) {
            context.addIssue({ code: 'custom', message: 'each key must be at least 16 characters' });
          }
          return { client, key };
        }),
      )
      .min(1),
  );

/** An IPv4 or IPv6 address, or a CIDR block of either (`10.0.0.0/8`, `2001:db8::/32`). */
export function isCidr(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const cidrList = z
  .string()
  .transform(list)
  .pipe(z.array(z.string().refine(isCidr, 'must be IPv4/IPv6 addresses or CIDR blocks separated by commas')));

/** A Redis node to dial: a host name or IPv4 address, or a bracketed IPv6 one. */
export interface RedisNode {
  host: string;
  port: number;
}

/** `host:port` entries separated by commas (`[::1]:26379` for IPv6): Sentinels, or a Cluster's seed nodes. */
const redisNodeList = z
  .string()
  .transform(list)
  .pipe(
    z
      .array(
        z.string().transform((entry, context): RedisNode => {
          const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
          const port = Number(match?.[2]);
          if (match === null || port < 1 || port > 65535) {
            context.addIssue({ code: 'custom', message: 'must be host:port entries separated by commas' });
            return { host: '', port: 0 };
          }
          return { host: match[1].replace(/^\[|\]$/g, ''), port };
        }),
      )
      .min(1, 'must list at least one host:port'),
  );

/** Whole HAVEN as a plain decimal, as the API takes amounts. */
const havenAmount = z.string().regex(/^(0|[1-9]\d*)(\.\d{1,18})?$/, 'must be a HAVEN amount such as 1000 or 0.5');

/** `false`, a number of proxy hops to believe, or the proxies' addresses/CIDRs. */
const trustProxy = z.string().transform((value, context): false | number | string[] => {
  if (value === 'false') return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const cidrs = list(value);
  if (cidrs.length === 0 || !cidrs.every(isCidr)) {
    context.addIssue({ code: 'custom', message: 'must be false, a hop count, or proxy addresses/CIDRs separated by commas' });
  }
  return cidrs;
});

/** Where an alert can be sent; a severity's route lists some of these, or `none`. */
export const ALERT_CHANNELS = ['email', 'slack', 'pagerduty', 'webhook'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** What a webhook URL points at, which decides the body it is sent. */
export const WEBHOOK_FORMATS = ['slack', 'pagerduty', 'webhook'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookTarget {
  format: WebhookFormat;
  url: string;
}

/**
 * The format of a URL without a `format=` prefix: Slack's and PagerDuty's own hosts are
 * recognised, anything else is sent the generic signed JSON body.
 */
export function webhookFormatOf(url: string): WebhookFormat {
  const host = new URL(url).hostname.toLowerCase();
  if (host === 'hooks.slack.com') return 'slack';
  if (host === 'events.pagerduty.com' || host === 'events.eu.pagerduty.com') return 'pagerduty';
  return 'webhook';
}

/**
 * `ALERT_WEBHOOK_URLS` entries: a URL, or `format=URL` with format `slack`, `pagerduty` or
 * `webhook` (generic JSON) for a receiver the host does not give away (a proxy, a test).
 */
const webhookTargetList = z
  .string()
  .transform(list)
  .pipe(
    z
      .array(
        z.string().transform((entry, context): WebhookTarget => {
          const prefix = /^([a-z]+)=(.*)$/.exec(entry);
          const format =
            prefix !== null && (WEBHOOK_FORMATS as readonly string[]).includes(prefix[1]) ? (prefix[1] as WebhookFormat) : null;
          const target = format === null ? entry : prefix![2];
          if (!url(['http', 'https']).safeParse(target).success) {
            context.addIssue({
              code: 'custom',
              message: 'must be URLs (http, https), each optionally prefixed slack=, pagerduty= or webhook=',
            });
            return { format: 'webhook', url: target };
          }
          return { format: format ?? webhookFormatOf(target), url: target };
        }),
      )
      .min(1, 'must list at least one URL'),
  );

/** A severity's channels: a comma-separated list of ALERT_CHANNELS, or `none` (logged only). */
const alertRoute = z
  .string()
  .transform(list)
  .pipe(
    z.union([
      z.tuple([z.literal('none')]).transform((): AlertChannel[] => []),
      z.array(z.enum(ALERT_CHANNELS, { message: `must be none or channels among ${ALERT_CHANNELS.join(', ')}` })).min(1),
    ]),
  );

/** `CLIENT_CALLBACK_URLS` entries: `client=URL`, one per client. */
const clientCallbackUrlList = z
  .string()
  .transform(list)
  .pipe(
    z.array(
      z.string().transform((entry, context) => {
        const equals = entry.indexOf('=');
        const [client, target] = equals < 0 ? ['', entry] : [entry.slice(0, equals), entry.slice(equals + 1)];
        if (!CLIENT_NAME.test(client) || !url(['http', 'https']).safeParse(target).success) {
          context.addIssue({ code: 'custom', message: 'entries must be client=URL (http, https)' });
        }
        return { client, url: target };
      }),
    ),
  );

/** `CLIENT_CALLBACK_SECRETS` entries: `client:secret`, the key a client checks signatures with. */
const clientSecretList = z
  .string()
  .transform(list)
  .pipe(
    z.array(
      z.string().transform((entry, context) => {
        const colon = entry.indexOf(':');
        const [client, secret] = colon < 0 ? ['', entry] : [entry.slice(0, colon), entry.slice(colon + 1)];
        if (!CLIENT_NAME.test(client) || secret.length < 32) {
          context.addIssue({ code: 'custom', message: 'entries must be client:secret, each secret at least 32 characters' });
        }
        return { client, secret };
      }),
    ),
  );

/** An amount of ETH as a plain decimal. */
const ethAmount = z.string().regex(/^(0|[1-9]\d*)(\.\d{1,18})?$/, 'must be an ETH amount such as 0.05');

/** A fraction such as 0.2 (20 %). */
const fraction = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a fraction between 0 and 1, such as 0.2')
  .transform(Number);

/** Breakers with their own settings; any other name the code registers uses the defaults. */
export const BREAKER_NAMES = ['blockchain', 'smtp', 'webhook', 'kms'] as const;

const breakerFields = (infix: string) => ({
  [`CIRCUIT_BREAKER_${infix}FAILURE_THRESHOLD`]: int(1, 1000).optional(),
  [`CIRCUIT_BREAKER_${infix}SUCCESS_THRESHOLD`]: int(1, 1000).optional(),
  [`CIRCUIT_BREAKER_${infix}TIMEOUT_SECONDS`]: positiveNumber.optional(),
});

const breakerSchema = z.object({
  ...breakerFields(''),
  ...Object.assign({}, ...BREAKER_NAMES.map((name) => breakerFields(`${name.toUpperCase()}_`))),
} as Record<`CIRCUIT_BREAKER_${string}`, z.ZodOptional<z.ZodPipe>>);

export const envSchema = z.object({
  ENVIRONMENT: z.enum(['development', 'test', 'staging', 'production']).optional(),
  LOG_LEVEL: z
    .string()
    .transform((value) => (value.toLowerCase() === 'warning' ? 'warn' : value.toLowerCase()))
    .pipe(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .optional(),
  PORT: int(1, 65535).optional(),
  WORKERS: int(1, 64).optional(),
  PROCESS_ROLE: z.enum(PROCESS_ROLES, { message: `must be one of ${PROCESS_ROLES.join(', ')}` }).optional(),
  ALLOWED_ORIGINS: z
    .string()
    .transform(list)
    .pipe(z.array(z.union([z.literal('*'), url(['http', 'https'])], { message: 'must be origins such as https://app.haven.com' })))
    .optional(),
  TRUST_PROXY: trustProxy.optional(),
  ENFORCE_HTTPS: bool.optional(),
  API_DOCS_ENABLED: bool.optional(),
  METRICS_PORT: int(1, 65535).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  HEALTH_DETAILS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATABASE_POOL_SIZE: int(1, 500).optional(),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, DAY_MS).optional(),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(1000, DAY_MS).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_:.-]')
    .optional(),
  REDIS_COMMAND_TIMEOUT_MS: int(100, 600_000).optional(),
  REDIS_SENTINELS: redisNodeList.optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'must be the master group name as the Sentinels know it (1-64 of [A-Za-z0-9_.-])')
    .optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: redisNodeList.optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),

  RPC_URL: url(['http', 'https']).optional(),
  CHAIN_ID: int(1, 2 ** 32).optional(),
  CONFIRMATIONS: int(1, 1000).optional(),
  HAVEN_CONTRACT_ADDRESS: z
    .string()
    .refine((value) => isAddress(value), 'must be a 0x-prefixed 20-byte address')
    .optional(),
  BACKEND_PRIVATE_KEY: z.string().regex(PRIVATE_KEY, 'must be 0x followed by 64 hex digits').optional(),
  BACKEND_SIGNER_WALLET_ID: z.string().regex(WALLET_ID_PATTERN, `must be a custody wallet id (${WALLET_ID_RULE})`).optional(),

  WALLET_ENCRYPTION_KEY: z
    .string()
    .transform(list)
    .pipe(z.array(z.string().regex(FERNET_KEY, 'must be Fernet keys (44-character url-safe base64) separated by commas')).min(1))
    .optional(),
  KMS_ENABLED: bool.optional(),
  KMS_KEY_ID: z.string().min(1).optional(),
  KMS_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be an AWS region such as eu-west-1')
    .optional(),
  KMS_ENDPOINT: url(['http', 'https']).optional(),

  ADMIN_API_KEY: secretList(16).optional(),
  API_KEY: clientKeyList.optional(),
  ADMIN_ALLOWED_IPS: cidrList.optional(),

  MAX_MINT_AMOUNT: havenAmount.optional(),
  DAILY_MINT_LIMIT_PER_CLIENT: havenAmount.optional(),
  RATE_LIMIT_ADMIN_PER_MINUTE: int(1, 1_000_000).optional(),
  RATE_LIMIT_CLIENT_PER_MINUTE: int(1, 10_000_000).optional(),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: int(1, 1_000_000).optional(),

  ALERT_EMAIL_ENABLED: bool.optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: int(1, 65535).optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  ALERT_FROM_EMAIL: z.email('must be an e-mail address').optional(),
  ALERT_TO_EMAILS: emailList.optional(),
  ALERT_WEBHOOK_ENABLED: bool.optional(),
  ALERT_WEBHOOK_URLS: webhookTargetList.optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  ALERT_PAGERDUTY_ROUTING_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{32}$/, 'must be a PagerDuty integration key (32 letters and digits)')
    .optional(),
  ALERT_ROUTE_INFO: alertRoute.optional(),
  ALERT_ROUTE_WARNING: alertRoute.optional(),
  ALERT_ROUTE_ERROR: alertRoute.optional(),
  ALERT_ROUTE_CRITICAL: alertRoute.optional(),
  ALERT_GROUPING_WINDOW_MINUTES: int(1, 1440).optional(),
  ALERT_ESCALATION_MINUTES: int(1, 1440).optional(),
  ALERT_ESCALATION_EMAILS: emailList.optional(),
  ALERT_ESCALATION_WEBHOOK_URLS: webhookTargetList.optional(),

  CLIENT_CALLBACK_URLS: clientCallbackUrlList.optional(),
  CLIENT_CALLBACK_SECRETS: clientSecretList.optional(),

  BATCH_MINT_MAX_SIZE: int(1, 100).optional(),
  MAX_FEE_PER_GAS_GWEI: positiveNumber.optional(),
  MAX_IN_FLIGHT_TRANSACTIONS: int(1, 10_000).optional(),

  PENDING_TX_THRESHOLD_MINUTES: positiveNumber.optional(),
  GAS_SPIKE_THRESHOLD: positiveNumber.optional(),
  MONITOR_INTERVAL_SECONDS: int(1, 3600).optional(),
  HOT_WALLET_MIN_BALANCE_ETH: ethAmount.optional(),
  FAILURE_RATE_ALERT_THRESHOLD: fraction.optional(),
  FAILURE_RATE_WINDOW_MINUTES: int(1, 1440).optional(),
  BREAKER_OPEN_ALERT_MINUTES: int(1, 1440).optional(),

  ...breakerSchema.shape,

  HAVEN_DATA_DIR: z.string().min(1).optional(),
  EMBEDDED_POSTGRES_PORT: int(1, 65535).optional(),
  EMBEDDED_ANVIL_PORT: int(1, 65535).optional(),
});

export type EnvSettings = z.output<typeof envSchema>;
export type EnvName = keyof EnvSettings;
export const ENV_NAMES = Object.keys(envSchema.shape) as EnvName[];

/** Variables whose values are secrets: never logged, never echoed in an error. */
export const SECRET_ENV_NAMES: ReadonlySet<EnvName> = new Set<EnvName>([
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  // RPC providers (Alchemy, Infura, QuickNode) and Slack put their keys in the URL itself.
  'RPC_URL',
  'ALERT_WEBHOOK_URLS',
  'ALERT_ESCALATION_WEBHOOK_URLS',
  'ALERT_WEBHOOK_SECRET',
  'ALERT_PAGERDUTY_ROUTING_KEY',
  'CLIENT_CALLBACK_URLS',
  'CLIENT_CALLBACK_SECRETS',
  'BACKEND_PRIVATE_KEY',
  'WALLET_ENCRYPTION_KEY',
  'ADMIN_API_KEY',
  'API_KEY',
  'SMTP_PASSWORD',
  'METRICS_TOKEN',
  'HEALTH_DETAILS_TOKEN',
]);
