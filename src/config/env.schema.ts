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

const urlList = (protocols: string[]) =>
  z
    .string()
    .transform(list)
    .pipe(z.array(url(protocols)).min(1, 'must list at least one URL'));

const emailList = z
  .string()
  .transform(list)
  .pipe(z.array(z.email('must be e-mail addresses separated by commas')).min(1));

const secretList = (minLength: number) =>
  z
    .string()
    .transform(list)
    .pipe(z.array(z.string().min(minLength, `each key must be at least ${minLength} characters`)).min(1));

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
  ALLOWED_ORIGINS: z.string().transform(list).optional(),

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
  API_KEY: secretList(16).optional(),
  ADMIN_ALLOWED_IPS: z.string().transform(list).optional(),

  ALERT_EMAIL_ENABLED: bool.optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: int(1, 65535).optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  ALERT_FROM_EMAIL: z.email('must be an e-mail address').optional(),
  ALERT_TO_EMAILS: emailList.optional(),
  ALERT_WEBHOOK_ENABLED: bool.optional(),
  ALERT_WEBHOOK_URLS: urlList(['http', 'https']).optional(),

  BATCH_MINT_MAX_SIZE: int(1, 100).optional(),
  MAX_FEE_PER_GAS_GWEI: positiveNumber.optional(),
  MAX_IN_FLIGHT_TRANSACTIONS: int(1, 10_000).optional(),

  PENDING_TX_THRESHOLD_MINUTES: positiveNumber.optional(),
  GAS_SPIKE_THRESHOLD: positiveNumber.optional(),
  MONITOR_INTERVAL_SECONDS: int(1, 3600).optional(),

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
  // RPC providers (Alchemy, Infura, QuickNode) and Slack put their keys in the URL itself.
  'RPC_URL',
  'ALERT_WEBHOOK_URLS',
  'BACKEND_PRIVATE_KEY',
  'WALLET_ENCRYPTION_KEY',
  'ADMIN_API_KEY',
  'API_KEY',
  'SMTP_PASSWORD',
]);
