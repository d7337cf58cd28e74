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
    expect(config.monitoring).toMatchObject({ pendingTxThresholdMinutes: 5, gasSpikeThreshold: 2.0, intervalSeconds: 60 });
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
      ALERT_PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF',
    });

    expect(config.security.walletEncryptionKeys).toEqual([FERNET_KEY, OTHER_FERNET_KEY]);
    expect(config.security.adminApiKeys).toHaveLength(2);
    expect(config.allowedOrigins).toEqual(['https://app.haven.com', 'https://admin.haven.com']);
    expect(config.alerting.webhook.targets).toHaveLength(2);
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

  describe('PROCESS_ROLE', () => {
    it('defaults to all: one process serves the API and runs every background loop, as before roles existed', () => {
      expect(loadConfig(completeEnv).processRole).toBe('all');
    });

    it.each(['api', 'worker', 'all'] as const)('accepts %s', (role) => {
      expect(loadConfig({ ...completeEnv, PROCESS_ROLE: role }).processRole).toBe(role);
    });

    it('refuses anything else, naming the roles it accepts', () => {
      expect(problemsOf(() => loadConfig({ ...completeEnv, PROCESS_ROLE: 'sender' })).get('PROCESS_ROLE')).toBe(
        'must be one of api, worker, all',
      );
    });

    it('refuses api or worker without Redis, since the other role runs in another process', () => {
      const { REDIS_URL: _omitted, ...withoutRedis } = completeEnv;

      expect([...problemsOf(() => loadConfig({ ...withoutRedis, PROCESS_ROLE: 'api' })).keys()]).toEqual(['PROCESS_ROLE']);
      expect([...problemsOf(() => loadConfig({ ...withoutRedis, PROCESS_ROLE: 'worker' })).keys()]).toEqual(['PROCESS_ROLE']);
      expect(loadConfig({ ...withoutRedis, PROCESS_ROLE: 'all' }).processRole).toBe('all');
    });
  });

  describe('Redis modes', () => {
    const { REDIS_URL: _standalone, ...withoutRedis } = completeEnv;

    it('connects through Sentinel when REDIS_SENTINELS and REDIS_SENTINEL_NAME are set, passwords apart', () => {
      const config = loadConfig({
        ...withoutRedis,
        ENVIRONMENT: 'production',
        REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.2:26380,[::1]:26381',
        REDIS_SENTINEL_NAME: 'haven-master',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
        REDIS_PASSWORD: 'node-secret',
      });

      expect(config.redis).toMatchObject({
        url: undefined,
        cluster: undefined,
        password: 'node-secret',
        sentinel: {
          masterName: 'haven-master',
          sentinelPassword: 'sentinel-secret',
          sentinels: [
            { host: 'sentinel-a', port: 26379 },
            { host: '10.0.0.2', port: 26380 },
            { host: '::1', port: 26381 },
          ],
        },
      });
    });

    it('connects to a Redis Cluster through its seed nodes when REDIS_CLUSTER_NODES is set', () => {
      const config = loadConfig({ ...withoutRedis, ENVIRONMENT: 'production', REDIS_CLUSTER_NODES: 'redis-1:6379,redis-2:6379' });

      expect(config.redis).toMatchObject({
        url: undefined,
        sentinel: undefined,
        cluster: {
          nodes: [
            { host: 'redis-1', port: 6379 },
            { host: 'redis-2', port: 6379 },
          ],
        },
      });
    });

    it('refuses more than one Redis mode, naming each variable involved', () => {
      const problems = problemsOf(() =>
        loadConfig({ ...completeEnv, REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'c:6379' }),
      );

      expect([...problems.keys()].sort()).toEqual(['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_URL']);
      expect(problems.get('REDIS_URL')).toMatch(/exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES/);
    });

    it('requires one Redis mode in production, and accepts any of the three', () => {
      expect(problemsOf(() => loadConfig({ ...withoutRedis, ENVIRONMENT: 'production' })).get('REDIS_URL')).toMatch(
        /required in production.*REDIS_SENTINELS.*REDIS_CLUSTER_NODES/,
      );
      expect(loadConfig({ ...withoutRedis, ENVIRONMENT: 'development' }).redis.url).toBeUndefined();
    });

    it('refuses settings that belong to another mode, and malformed node lists, without echoing the passwords', () => {
      const problems = problemsOf(() =>
        loadConfig({ ...completeEnv, REDIS_SENTINEL_NAME: 'm', REDIS_SENTINEL_PASSWORD: 'sentinel-secret', REDIS_PASSWORD: 'node-secret' }),
      );
      expect([...problems.keys()].sort()).toEqual(['REDIS_PASSWORD', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD']);
      expect([...problems.values()].join(' ')).not.toMatch(/secret/);

      expect([...problemsOf(() => loadConfig({ ...withoutRedis, REDIS_SENTINELS: 's:26379' })).keys()]).toEqual(['REDIS_SENTINEL_NAME']);
      for (const bad of ['redis-1', 'redis-1:0', 'redis-1:70000', 'redis://redis-1:6379', ',']) {
        expect([...problemsOf(() => loadConfig({ ...withoutRedis, REDIS_CLUSTER_NODES: bad })).keys()]).toEqual(['REDIS_CLUSTER_NODES']);
      }
    });

    it('lets several workers share a Sentinel or Cluster Redis', () => {
      expect(loadConfig({ ...withoutRedis, WORKERS: '2', REDIS_CLUSTER_NODES: 'c:6379' }).workers).toBe(2);
    });
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

  describe('security settings', () => {
    it('reads API_KEY as named clients; a bare key belongs to the client "default"', () => {
      const config = loadConfig({
        ...completeEnv,
        API_KEY:
          'hotel-app:hotel-key-0123456789abcdef, spa_app:spa-key-0123456789abcdef,spa_app:spa-next-0123456789abcdef,bare-key-0123456789abcdef',
      });

      expect(config.security.clientKeys).toEqual([
        { client: 'hotel-app', key: 'hotel-key-0123456789abcdef' },
        { client: 'spa_app', key: 'spa-key-0123456789abcdef' },
        { client: 'spa_app', key: 'spa-next-0123456789abcdef' },
        { client: 'default', key: 'bare-key-0123456789abcdef' },
      ]);
    });

    it('refuses client names that could not label a row, short keys, and a key shared with the admin list', () => {
      expect(problemsOf(() => loadConfig({ ...completeEnv, API_KEY: 'Hotel App:hotel-key-0123456789abcdef' })).get('API_KEY')).toMatch(
        /client names/,
      );
      expect(problemsOf(() => loadConfig({ ...completeEnv, API_KEY: 'hotel:short' })).get('API_KEY')).toMatch(/at least 16/);
      expect(problemsOf(() => loadConfig({ ...completeEnv, API_KEY: `hotel:${completeEnv.ADMIN_API_KEY}` })).get('API_KEY')).toMatch(
        /ADMIN_API_KEY/,
      );
    });

    it('validates ADMIN_ALLOWED_IPS as IPv4/IPv6 addresses and CIDR blocks', () => {
      const config = loadConfig({ ...completeEnv, ADMIN_ALLOWED_IPS: '10.0.0.0/8, 192.168.1.10,2001:db8::/32,::1' });
      expect(config.security.adminAllowedIps).toEqual(['10.0.0.0/8', '192.168.1.10', '2001:db8::/32', '::1']);

      for (const bad of ['10.0.0.0/33', '10.0.0/8', 'example.com', '2001:db8::/129', '10.0.0.0/8/1', '*']) {
        expect([bad, problemsOf(() => loadConfig({ ...completeEnv, ADMIN_ALLOWED_IPS: bad })).has('ADMIN_ALLOWED_IPS')]).toEqual([
          bad,
          true,
        ]);
      }
    });

    it('reads TRUST_PROXY as nobody (default), a hop count or proxy addresses', () => {
      expect(loadConfig(completeEnv).http.trustProxy).toBe(false);
      expect(loadConfig({ ...completeEnv, TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
      expect(loadConfig({ ...completeEnv, TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
      expect(loadConfig({ ...completeEnv, TRUST_PROXY: '10.0.0.0/8,fd00::/8' }).http.trustProxy).toEqual(['10.0.0.0/8', 'fd00::/8']);
      expect(problemsOf(() => loadConfig({ ...completeEnv, TRUST_PROXY: 'true' })).has('TRUST_PROXY')).toBe(true);
    });

    it('refuses a wildcard CORS origin in production, and anything that is not an origin anywhere', () => {
      expect(loadConfig({ ...completeEnv, ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
      expect(
        problemsOf(() => loadConfig({ ...completeEnv, ENVIRONMENT: 'production', ALLOWED_ORIGINS: '*' })).get('ALLOWED_ORIGINS'),
      ).toMatch(/not \*/);
      expect(problemsOf(() => loadConfig({ ...completeEnv, ALLOWED_ORIGINS: 'app.haven.com' })).has('ALLOWED_ORIGINS')).toBe(true);
    });

    it('turns API docs off in production unless asked for, and keeps HTTPS enforcement opt-in', () => {
      expect(loadConfig(completeEnv).http).toMatchObject({ apiDocsEnabled: true, enforceHttps: false });
      expect(loadConfig({ ...completeEnv, ENVIRONMENT: 'production' }).http.apiDocsEnabled).toBe(false);
      expect(loadConfig({ ...completeEnv, ENVIRONMENT: 'production', API_DOCS_ENABLED: 'true' }).http.apiDocsEnabled).toBe(true);
      expect(loadConfig({ ...completeEnv, ENFORCE_HTTPS: 'true' }).http.enforceHttps).toBe(true);
    });

    it('reads mint limits in whole HAVEN into wei, with a default maximum and no daily limit', () => {
      expect(loadConfig(completeEnv).limits).toEqual({ maxMintAmountWei: 10n ** 24n, dailyMintLimitPerClientWei: undefined });
      expect(loadConfig({ ...completeEnv, MAX_MINT_AMOUNT: '2500.5', DAILY_MINT_LIMIT_PER_CLIENT: '100000' }).limits).toEqual({
        maxMintAmountWei: 2500n * 10n ** 18n + 5n * 10n ** 17n,
        dailyMintLimitPerClientWei: 10n ** 23n,
      });
      expect(problemsOf(() => loadConfig({ ...completeEnv, MAX_MINT_AMOUNT: '1e6' })).has('MAX_MINT_AMOUNT')).toBe(true);
    });

    it('keeps metrics, health-details and rate-limit settings, and never echoes the tokens', () => {
      const config = loadConfig({
        ...completeEnv,
        METRICS_PORT: '9464',
        METRICS_TOKEN: 'metrics-token-0123456789',
        HEALTH_DETAILS_TOKEN: 'health-token-0123456789',
        RATE_LIMIT_ADMIN_PER_MINUTE: '30',
      });
      expect(config.http).toMatchObject({
        metricsPort: 9464,
        metricsToken: 'metrics-token-0123456789',
        healthDetailsToken: 'health-token-0123456789',
      });
      expect(config.rateLimits).toEqual({ adminPerMinute: 30, clientPerMinute: 6000, anonymousPerMinute: 120 });
      const problems = problemsOf(() => loadConfig({ ...completeEnv, METRICS_TOKEN: 'short-secret', HEALTH_DETAILS_TOKEN: 'short' }));
      expect([...problems.values()].join(' ')).not.toContain('short-secret');
    });
  });

  describe('alert delivery and callback settings', () => {
    const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

    it('tells a webhook format from its host, or from a format= prefix for a receiver the host does not give away', () => {
      const config = loadConfig({
        ...completeEnv,
        ALERT_WEBHOOK_URLS:
          'https://hooks.slack.com/services/T0/B0/x,https://events.pagerduty.com/v2/enqueue,https://ops.haven.com/alerts,pagerduty=http://127.0.0.1:9/pd,slack=http://127.0.0.1:9/slack',
        ALERT_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
        ALERT_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      });

      expect(config.alerting.webhook.targets).toEqual([
        { format: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x' },
        { format: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue' },
        { format: 'webhook', url: 'https://ops.haven.com/alerts' },
        { format: 'pagerduty', url: 'http://127.0.0.1:9/pd' },
        { format: 'slack', url: 'http://127.0.0.1:9/slack' },
      ]);
    });

    it('needs a routing key for PagerDuty and a signing secret for generic JSON receivers, never echoing either', () => {
      const problems = problemsOf(() =>
        loadConfig({ ...completeEnv, ALERT_WEBHOOK_URLS: 'https://events.pagerduty.com/v2/enqueue,https://ops.haven.com/alerts' }),
      );
      expect([...problems.keys()].sort()).toEqual(['ALERT_PAGERDUTY_ROUTING_KEY', 'ALERT_WEBHOOK_SECRET']);

      const malformed = problemsOf(() =>
        loadConfig({ ...completeEnv, ALERT_WEBHOOK_URLS: 'https://ops.haven.com/a', ALERT_WEBHOOK_SECRET: 'short-secret' }),
      );
      expect([...malformed.keys()]).toEqual(['ALERT_WEBHOOK_SECRET']);
      expect(malformed.get('ALERT_WEBHOOK_SECRET')).not.toContain('short-secret');
    });

    it('routes info nowhere, warning and error to the monitoring channels and critical to on-call, each overridable', () => {
      expect(loadConfig(completeEnv).alerting.routes).toEqual({
        info: [],
        warning: ['email', 'slack', 'webhook'],
        error: ['email', 'slack', 'webhook'],
        critical: ['email', 'slack', 'webhook', 'pagerduty'],
      });
      const config = loadConfig({ ...completeEnv, ALERT_ROUTE_WARNING: 'none', ALERT_ROUTE_CRITICAL: 'pagerduty, email' });
      expect(config.alerting.routes.warning).toEqual([]);
      expect(config.alerting.routes.critical).toEqual(['pagerduty', 'email']);
      expect([...problemsOf(() => loadConfig({ ...completeEnv, ALERT_ROUTE_ERROR: 'email,sms' })).keys()]).toEqual(['ALERT_ROUTE_ERROR']);
    });

    it('reads escalation and monitor thresholds with their defaults', () => {
      const defaults = loadConfig(completeEnv);
      expect(defaults.alerting.escalationMinutes).toBe(15);
      expect(defaults.alerting.groupingWindowMinutes).toBe(15);
      expect(defaults.monitoring).toMatchObject({
        hotWalletMinBalanceWei: 10n ** 16n,
        failureRateThreshold: 0.2,
        failureRateWindowMinutes: 15,
        breakerOpenAlertMinutes: 5,
      });
      const config = loadConfig({
        ...completeEnv,
        ALERT_ESCALATION_MINUTES: '5',
        ALERT_ESCALATION_EMAILS: 'cto@haven.com',
        HOT_WALLET_MIN_BALANCE_ETH: '0.5',
        FAILURE_RATE_ALERT_THRESHOLD: '0.05',
      });
      expect(config.alerting.escalationMinutes).toBe(5);
      expect(config.alerting.email.escalationTo).toEqual(['cto@haven.com']);
      expect(config.monitoring.hotWalletMinBalanceWei).toBe(5n * 10n ** 17n);
      expect(config.monitoring.failureRateThreshold).toBe(0.05);
      expect([...problemsOf(() => loadConfig({ ...completeEnv, FAILURE_RATE_ALERT_THRESHOLD: '5' })).keys()]).toEqual([
        'FAILURE_RATE_ALERT_THRESHOLD',
      ]);
    });

    it('gives each callback client one URL and a secret, and only to clients that have a key', () => {
      const secret = 'callback-secret-0123456789abcdef0123';
      const env = { ...completeEnv, API_KEY: 'acme:acme-key-0123456789abcdef,beta:beta-key-0123456789abcdef' };
      const config = loadConfig({
        ...env,
        CLIENT_CALLBACK_URLS: 'acme=https://acme.example/haven',
        CLIENT_CALLBACK_SECRETS: `acme:${secret}`,
      });
      expect(config.callbacks).toEqual({ acme: { url: 'https://acme.example/haven', secret } });
      expect(loadConfig(completeEnv).callbacks).toEqual({});

      const problems = problemsOf(() =>
        loadConfig({
          ...env,
          CLIENT_CALLBACK_URLS: 'acme=https://acme.example/a,other=https://other.example/b',
          CLIENT_CALLBACK_SECRETS: `acme:${secret}`,
        }),
      );
      expect(problems.get('CLIENT_CALLBACK_URLS')).toBe('must name clients that have a key in API_KEY');
      expect(problems.get('CLIENT_CALLBACK_SECRETS')).toBe('must hold a secret for every client in CLIENT_CALLBACK_URLS');
      const short = problemsOf(() =>
        loadConfig({ ...env, CLIENT_CALLBACK_URLS: 'acme=https://acme.example/a', CLIENT_CALLBACK_SECRETS: 'acme:short-secret' }),
      );
      expect([...short.keys()]).toEqual(['CLIENT_CALLBACK_SECRETS']);
      expect([...short.values()].join(' ')).not.toContain('short-secret');

      const plain = problemsOf(() =>
        loadConfig({
          ...env,
          ENVIRONMENT: 'production',
          CLIENT_CALLBACK_URLS: 'acme=http://acme.example/a',
          CLIENT_CALLBACK_SECRETS: `acme:${secret}`,
        }),
      );
      expect(plain.get('CLIENT_CALLBACK_URLS')).toBe('must be https URLs in production');
    });
  });
});
