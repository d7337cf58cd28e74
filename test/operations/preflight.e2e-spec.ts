import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

import { type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { havenAbi } from '../../src/chain/haven.abi';
import { freePort } from '../../src/embedded/anvil.process';
import { startTestChain, type TestChain } from '../support/chain';
import { TEST_ADMIN_API_KEY, TEST_API_KEY, TEST_FERNET_KEY, TEST_REDIS_URL } from '../support/config';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { type PreflightRun, runPreflightCli as preflight } from '../support/preflight-cli';
import { type IncomingPost, type RecordingReceiver, startRecordingReceiver } from '../support/recording-receiver';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';

const DATABASE_PASSWORD = 'db-pass-never-printed-8c1f';
const WEBHOOK_TOKEN = 'T0000/B0000/webhook-token-never-printed';
const AWS_SECRET = 'aws-secret-never-printed-0123456789';

/** The test server trusts loopback, so a password in the URL is accepted and never needed: it is there to be leaked, or not. */
const withPassword = (url: string): string => url.replace('postgres://postgres@', `postgres://postgres:${DATABASE_PASSWORD}@`);

describe('npm run preflight', () => {
  let chain: TestChain;
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let webhook: RecordingReceiver<IncomingPost>;
  let kms: { endpoint: string; close(): Promise<void> };
  let environment: (overrides?: Record<string, string>) => Record<string, string>;

  /** What the runs are given and must never print. */
  const secrets = () => [
    DATABASE_PASSWORD,
    chain.backendPrivateKey.slice(2),
    TEST_FERNET_KEY,
    TEST_ADMIN_API_KEY,
    TEST_API_KEY,
    WEBHOOK_TOKEN,
    AWS_SECRET,
  ];

  beforeAll(async () => {
    [chain, database, smtp, webhook] = await Promise.all([
      startTestChain(),
      createTestDatabase(),
      startSmtpServer(),
      startRecordingReceiver((post) => post, { status: 200 }),
    ]);
    kms = await startDescribeKeyStub();
    environment = (overrides = {}) => ({
      ENVIRONMENT: 'test',
      DATABASE_URL: withPassword(database.url),
      REDIS_URL: TEST_REDIS_URL,
      RPC_URL: chain.rpcUrl,
      CHAIN_ID: String(chain.chainId),
      HAVEN_CONTRACT_ADDRESS: chain.contractAddress,
      BACKEND_PRIVATE_KEY: chain.backendPrivateKey,
      WALLET_ENCRYPTION_KEY: TEST_FERNET_KEY,
      ADMIN_API_KEY: TEST_ADMIN_API_KEY,
      API_KEY: TEST_API_KEY,
      ALERT_EMAIL_ENABLED: 'true',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      ALERT_FROM_EMAIL: 'haven@example.com',
      ALERT_TO_EMAILS: 'oncall@example.com',
      ALERT_WEBHOOK_ENABLED: 'true',
      ALERT_WEBHOOK_URLS: `slack=${webhook.origin}/services/${WEBHOOK_TOKEN}`,
      KMS_ENABLED: 'true',
      KMS_KEY_ID: 'alias/haven-wallets',
      KMS_ENDPOINT: kms.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      ...overrides,
    });
  });

  afterAll(async () => {
    await Promise.all([chain?.stop(), database?.drop(), smtp?.close(), webhook?.close(), kms?.close()]);
  });

  it('passes against a migrated database, Redis, the chain with HAVEN deployed and reachable alert channels, posting nothing', async () => {
    const result = await preflight(environment());

    expect(result.code).toBe(0);
    expect(result.rows.every((row) => row.status === 'PASS' || row.status === 'WARN')).toBe(true);
    for (const name of [
      'configuration',
      'database',
      'migrations',
      'redis',
      'rpc',
      'contract',
      'signer roles',
      'smtp',
      'webhook slack#1',
      'kms',
    ]) {
      expect(result.row(name).status).toBe('PASS');
    }
    expect(result.row('rpc').detail).toContain(`chain id ${chain.chainId}`);
    expect(result.row('signer roles').detail).toBe(`signer ${chain.backendAddress} holds MINTER_ROLE and BURNER_ROLE`);
    expect(result.row('signer gas')).toMatchObject({
      status: 'PASS',
      detail: expect.stringMatching(/^\d+(\.\d+)? ETH \(minimum 0\.01 ETH\)$/),
    });
    // Local Redis runs without persistence: worth a warning, not a failure.
    expect(['PASS', 'WARN']).toContain(result.row('redis persistence').status);
    expect(result.output).toMatch(/^READY: /m);
    for (const secret of secrets()) expect(result.output).not.toContain(secret);
    expect(webhook.received).toHaveLength(0);
    expect(smtp.messages).toHaveLength(0);
  }, 30_000);

  it('with --send-test-alert, delivers a test alert to every target through the service’s own senders', async () => {
    const result = await preflight(environment(), ['--send-test-alert']);

    expect(result.code).toBe(0);
    expect(result.row('test alert email')).toMatchObject({ status: 'PASS', detail: 'delivered' });
    expect(result.row('test alert slack#1')).toMatchObject({ status: 'PASS', detail: 'delivered' });
    expect(smtp.messages.at(-1)?.subject).toContain('Pre-flight test alert');
    expect(webhook.received.at(-1)?.rawBody).toContain('Pre-flight test alert');
  }, 30_000);

  /**
   * Each scenario is its own run, changing one thing, and only its own rows fail; the runs
   * go at once, since each is a separate process and most of its time is spent loading.
   */
  describe('fails, with a clear row, on', () => {
    const runs: Record<string, Promise<PreflightRun>> = {};
    let signer: `0x${string}`;
    let closedPort: number;
    let unmigrated: TestDatabase;
    let silent: { port: number; close(): Promise<void> };

    beforeAll(async () => {
      [closedPort, unmigrated, silent] = await Promise.all([freePort(), createTestDatabase({ migrated: false }), silentServer()]);
      const key: Hex = generatePrivateKey();
      signer = privateKeyToAccount(key).address;
      await grantOnlyBurnerRole(chain, signer);

      const scenarios: Record<string, Record<string, string>> = {
        'wrong chain id': { CHAIN_ID: '8453' },
        'no minter role': { BACKEND_PRIVATE_KEY: key },
        // Both alert channels: error messages are where libraries quote URLs, so this run also
        // shows that a webhook URL (whose path is its key) stays out of the output.
        'closed alert ports': {
          SMTP_PORT: String(closedPort),
          ALERT_WEBHOOK_URLS: `slack=http://127.0.0.1:${closedPort}/services/${WEBHOOK_TOKEN}`,
        },
        'disabled kms key': { KMS_KEY_ID: DISABLED_KMS_KEY },
        'custody signer without a key': { BACKEND_SIGNER_WALLET_ID: 'hot-wallet-never-created' },
        unmigrated: { DATABASE_URL: unmigrated.url },
        'silent rpc': { RPC_URL: `http://127.0.0.1:${silent.port}` },
        'invalid configuration': { CHAIN_ID: 'base', BACKEND_PRIVATE_KEY: `0x${'ab'.repeat(31)}` },
      };
      for (const [name, overrides] of Object.entries(scenarios)) runs[name] = preflight(environment(overrides));
      await Promise.allSettled(Object.values(runs));
    }, 80_000);

    afterAll(async () => {
      await Promise.all([unmigrated?.drop(), silent?.close()]);
    });

    it('a wrong CHAIN_ID, naming both chain ids', async () => {
      const result = await runs['wrong chain id']!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['rpc']);
      expect(result.row('rpc')).toEqual({
        name: 'rpc',
        status: 'FAIL',
        detail: `chain id mismatch: CHAIN_ID is 8453, the RPC node answers ${chain.chainId}`,
      });
      expect(result.output).toMatch(/^NOT READY: /m);
    });

    it('a signer without MINTER_ROLE', async () => {
      const result = await runs['no minter role']!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['signer roles']);
      expect(result.row('signer roles')).toMatchObject({ status: 'FAIL', detail: `signer ${signer} lacks MINTER_ROLE` });
      expect(result.row('signer gas').status).toBe('PASS');
    });

    it('an SMTP server (and a webhook) that cannot be reached', async () => {
      const result = await runs['closed alert ports']!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['smtp', 'webhook slack#1']);
      expect(result.row('smtp')).toMatchObject({
        status: 'FAIL',
        detail: `127.0.0.1:${closedPort} unreachable or refused: connect ECONNREFUSED 127.0.0.1:${closedPort} (ESOCKET)`,
      });
      expect(result.row('webhook slack#1').detail).toBe(
        `host unreachable on port ${closedPort}: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
      );
    });

    it('a custody signer wallet (BACKEND_SIGNER_WALLET_ID) with no active key, looked up in the database', async () => {
      const result = await runs['custody signer without a key']!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['signer roles', 'signer gas']);
      const noKey = 'custody wallet hot-wallet-never-created (BACKEND_SIGNER_WALLET_ID) has no active key';
      expect(result.row('signer roles').detail).toBe(noKey);
      expect(result.row('signer gas').detail).toBe(noKey);
    });

    it('a KMS key that is not enabled', async () => {
      const result = await runs['disabled kms key']!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['kms']);
      expect(result.row('kms')).toMatchObject({ status: 'FAIL', detail: 'KMS_KEY_ID is Disabled, not Enabled' });
    });

    it('a database its migrations were never run on, creating nothing in it', async () => {
      const result = await runs.unmigrated!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['migrations']);
      expect(result.row('migrations').detail).toMatch(/^(\d+) of \1 pending \(.+\); apply them with migration:run$/);
      const tables = await withClient(unmigrated.url, (client) => client.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'"));
      expect(tables.rowCount).toBe(0);
    });

    it('a dependency that takes the connection but never answers: a FAIL row after its timeout, not a hang', async () => {
      const result = await runs['silent rpc']!;

      expect(result.code).toBe(1);
      expect(failing(result)).toEqual(['rpc', 'contract', 'signer roles', 'signer gas']);
      for (const name of failing(result)) expect(result.row(name).detail).toBe('no answer within 5 s');
    });

    it('an invalid configuration: a FAIL row per bad variable, naming none of their values, and nothing else checked', async () => {
      const result = await runs['invalid configuration']!;

      expect(result.code).toBe(1);
      expect(result.rows).toEqual([
        { name: 'config CHAIN_ID', status: 'FAIL', detail: expect.any(String) },
        { name: 'config BACKEND_PRIVATE_KEY', status: 'FAIL', detail: expect.any(String) },
      ]);
      expect(result.output).not.toContain('ab'.repeat(31));
    });

    it('nothing, in any of these runs, that prints a secret: database password, keys, webhook URL', async () => {
      const outputs = (await Promise.all(Object.values(runs))).map((result) => result.output).join('\n');

      for (const secret of secrets()) {
        expect(outputs).not.toContain(secret);
      }
    });
  });
});

const failing = (result: PreflightRun): string[] => result.rows.filter((row) => row.status === 'FAIL').map((row) => row.name);

/** Gives `signer` gas and BURNER_ROLE, but not MINTER_ROLE: the backend key is HAVEN's admin. */
async function grantOnlyBurnerRole(chain: TestChain, signer: `0x${string}`): Promise<void> {
  await chain.testClient.setBalance({ address: signer, value: 10n ** 18n });
  const burnerRole = await chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'BURNER_ROLE' });
  const hash = await chain.backendWallet.writeContract({
    address: chain.contractAddress,
    abi: havenAbi,
    functionName: 'grantRole',
    args: [burnerRole, signer],
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
}

/** Accepts TCP connections and never says a word: a hung dependency. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const DISABLED_KMS_KEY = 'alias/haven-disabled';

/**
 * Answers KMS `DescribeKey` on the real wire protocol (AWS JSON 1.1), so the preflight's own
 * @aws-sdk/client-kms call runs unchanged; `DISABLED_KMS_KEY` is disabled, any other key enabled.
 */
async function startDescribeKeyStub(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const answer = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      };
      if (request.headers['x-amz-target'] !== 'TrentService.DescribeKey') {
        return answer(400, { __type: 'UnsupportedOperationException', message: 'DescribeKey only' });
      }
      const { KeyId } = JSON.parse(text) as { KeyId: string };
      const disabled = KeyId === DISABLED_KMS_KEY;
      answer(200, {
        KeyMetadata: {
          KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
          Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          Enabled: !disabled,
          KeyState: disabled ? 'Disabled' : 'Enabled',
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
