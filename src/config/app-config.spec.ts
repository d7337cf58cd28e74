import { loadConfig, parseEnvironment, type RawEnvironment } from './app-config';
import { ConfigError } from './config.error';

const FERNET_KEY = 'x4QGXhKzUQ3LmrVAvEJpI0sNfwLMSsWcF5lfrQJdCgw=';
const OTHER_FERNET_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';

const completeEnv: RawEnvironment = {
  DATABASE_URL: 'postgresql://user:pass@db-host:5432/haven_prod',
  REDIS_URL: 'redis://:password@redis-host:6379',
  RPC_URL: 'https://mainnet.base.org',
  CHAIN_ID: '8453',
  HAVEN_CONTRACT_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  BACKEND_PRIVATE_KEY: `0x${'ab'.repeat(32)}`,
  WALLET_ENCRYPTION_KEY: FERNET_KEY,
  ADMIN_API_KEY: 'admin-key-0123456789abcdef',
  API_KEY: 'client-key-0123456789abcdef',
};

function problemsOf(action: () => unknown): Map<string, string> {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return new Map(error.problems);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('reads the production template variables into typed settings with their documented defaults', () => {
    const config = loadConfig({ ...completeEnv, ENVIRONMENT: 'production', LOG_LEVEL: 'INFO', PORT: '8000', WORKERS: '4' });

    expect(config.environment).toBe('production');
    expect(config.logLevel).toBe('info');
    expect(config.port).toBe(8000);
    expect(config.workers).toBe(4);
    expect(config.chain.chainId).toBe(8453);
    expect(config.monitoring).toEqual({ pendingTxThresholdMinutes: 5, gasSpikeThreshold: 2.0, intervalSeconds: 60 });
    expect(config.database.poolSize).toBe(20);
    expect(config.security.kms.enabled).toBe(false);
  });

  it('splits comma-separated lists so keys can be rotated without downtime', () => {
    const config = loadConfig({
      ...completeEnv,
      WALLET_ENCRYPTION_KEY: `${FERNET_KEY}, ${OTHER_FERNET_KEY}`,
      ADMIN_API_KEY: 'new-admin-key-0123456789,old-admin-key-0123456789',
      ALLOWED_ORIGINS: 'https://app.haven.com,https://admin.haven.com',
      ALERT_WEBHOOK_ENABLED: 'true',
      ALERT_WEBHOOK_URLS: 'https://hooks.slack.com/services/xxx,https://events.pagerduty.com/v2/enqueue',
    });

    expect(config.security.walletEncryptionKeys).toEqual([FERNET_KEY, OTHER_FERNET_KEY]);
    expect(config.security.adminApiKeys).toHaveLength(2);
    expect(config.allowedOrigins).toEqual(['https://app.haven.com', 'https://admin.haven.com']);
    expect(config.alerting.webhook.urls).toHaveLength(2);
  });

  it('names every missing or malformed variable in production, in one error', () => {
    const { DATABASE_URL: _omitted, ...withoutDatabase } = completeEnv;
    const problems = problemsOf(() =>
      parseEnvironment({ ...withoutDatabase, ENVIRONMENT: 'production', WALLET_ENCRYPTION_KEY: 'abc' }, { complete: false }),
    );

    expect([...problems.keys()].sort()).toEqual(['DATABASE_URL', 'WALLET_ENCRYPTION_KEY']);
    expect(problems.get('DATABASE_URL')).toBe('is required in production');
  });

  it('rejects malformed URLs, addresses, keys and numbers without echoing their values', () => {
    const secret = `0x${'cd'.repeat(31)}`;
    const error = (() => {
      try {
        loadConfig({
          ...completeEnv,
          DATABASE_URL: 'mysql://db',
          HAVEN_CONTRACT_ADDRESS: '0x123',
          BACKEND_PRIVATE_KEY: secret,
          CHAIN_ID: 'base',
          GAS_SPIKE_THRESHOLD: '-2',
        });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect([...error.problems.keys()].sort()).toEqual([
      'BACKEND_PRIVATE_KEY',
      'CHAIN_ID',
      'DATABASE_URL',
      'GAS_SPIKE_THRESHOLD',
      'HAVEN_CONTRACT_ADDRESS',
    ]);
    expect(error.message).not.toContain(secret);
  });

  it('lets development leave gaps for the embedded environment, but not malformed values', () => {
    expect(parseEnvironment({}, { complete: false })).toEqual({});
    expect([...problemsOf(() => parseEnvironment({ PORT: 'eighty' }, { complete: false })).keys()]).toEqual(['PORT']);
  });

  it('requires the settings a feature needs only when the feature is enabled', () => {
    const problems = problemsOf(() =>
      loadConfig({ ...completeEnv, KMS_ENABLED: 'true', ALERT_EMAIL_ENABLED: 'true', ALERT_WEBHOOK_ENABLED: 'true' }),
    );

    expect([...problems.keys()].sort()).toEqual([
      'ALERT_FROM_EMAIL',
      'ALERT_TO_EMAILS',
      'ALERT_WEBHOOK_URLS',
      'KMS_KEY_ID',
      'SMTP_HOST',
      'SMTP_PORT',
    ]);
  });

  it('refuses several workers without Redis, since nonces would be handed out twice', () => {
    const { REDIS_URL: _omitted, ...withoutRedis } = completeEnv;

    expect([...problemsOf(() => loadConfig({ ...withoutRedis, WORKERS: '2' })).keys()]).toEqual(['WORKERS']);
  });

  it('gives every breaker the documented defaults, overridable for all breakers or for one', () => {
    expect(loadConfig(completeEnv).circuitBreakers.blockchain).toEqual({ failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 });

    const config = loadConfig({
      ...completeEnv,
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '8',
      CIRCUIT_BREAKER_SMTP_TIMEOUT_SECONDS: '120',
      CIRCUIT_BREAKER_BLOCKCHAIN_SUCCESS_THRESHOLD: '3',
      CIRCUIT_BREAKER_KMS_TIMEOUT_SECONDS: '0.5',
    });

    expect(config.circuitBreakers.default).toEqual({ failureThreshold: 8, successThreshold: 2, openTimeoutMs: 30_000 });
    expect(config.circuitBreakers.smtp).toEqual({ failureThreshold: 8, successThreshold: 2, openTimeoutMs: 120_000 });
    expect(config.circuitBreakers.blockchain).toEqual({ failureThreshold: 8, successThreshold: 3, openTimeoutMs: 30_000 });
    expect(config.circuitBreakers.kms.openTimeoutMs).toBe(500);
    expect([...problemsOf(() => loadConfig({ ...completeEnv, CIRCUIT_BREAKER_WEBHOOK_FAILURE_THRESHOLD: '0' })).keys()]).toEqual([
      'CIRCUIT_BREAKER_WEBHOOK_FAILURE_THRESHOLD',
    ]);
  });

  it('refuses a client key that is also an admin key, so a partner can never reach admin routes', () => {
    const problems = problemsOf(() => loadConfig({ ...completeEnv, API_KEY: `client-key-0123456789abcdef,${completeEnv.ADMIN_API_KEY}` }));

    expect([...problems.keys()]).toEqual(['API_KEY']);
    expect(problems.get('API_KEY')).not.toContain(completeEnv.ADMIN_API_KEY);
  });

  it('waits for as many confirmations as the chain needs, unless CONFIRMATIONS says otherwise', () => {
    const confirmationsOn = (chainId: string, confirmations?: string) =>
      loadConfig({ ...completeEnv, CHAIN_ID: chainId, CONFIRMATIONS: confirmations }).chain.confirmations;

    expect(confirmationsOn('31337')).toBe(1);
    expect(confirmationsOn('1337')).toBe(1);
    expect(confirmationsOn('8453')).toBe(10);
    expect(confirmationsOn('84532')).toBe(10);
    expect(confirmationsOn('1')).toBe(12);
    expect(confirmationsOn('8453', '3')).toBe(3);
    expect(confirmationsOn('8453', '1000')).toBe(1000);
    for (const bad of ['0', '1001', '2.5', 'ten', '-1']) {
      expect([...problemsOf(() => loadConfig({ ...completeEnv, CONFIRMATIONS: bad })).keys()]).toEqual(['CONFIRMATIONS']);
    }
  });

  it('bounds every database statement, idle transaction and Redis command, overridably', () => {
    const defaults = loadConfig(completeEnv);

    expect(defaults.database).toMatchObject({ statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 });
    expect(defaults.redis.commandTimeoutMs).toBe(5000);

    const config = loadConfig({
      ...completeEnv,
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10000',
      REDIS_COMMAND_TIMEOUT_MS: '250',
    });

    expect(config.database).toMatchObject({ statementTimeoutMs: 5000, idleInTransactionTimeoutMs: 10_000 });
    expect(config.redis.commandTimeoutMs).toBe(250);
    const problems = problemsOf(() =>
      loadConfig({
        ...completeEnv,
        DATABASE_STATEMENT_TIMEOUT_MS: '0',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1s',
        REDIS_COMMAND_TIMEOUT_MS: '99',
      }),
    );
    expect([...problems.keys()].sort()).toEqual([
      'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      'DATABASE_STATEMENT_TIMEOUT_MS',
      'REDIS_COMMAND_TIMEOUT_MS',
    ]);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ ...completeEnv, REDIS_URL: '', LOG_LEVEL: ' ' });

    expect(config.redis.url).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });
});
