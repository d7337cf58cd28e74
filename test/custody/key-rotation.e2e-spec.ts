import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { type Hex, verifyMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { loadConfig } from '../../src/config/app-config';
import { FernetKey, FernetKeyring } from '../../src/custody/crypto/fernet';
import { unwrapFernetToken } from '../../src/custody/crypto/python-fernet-form';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import vectors from '../fixtures/fernet-vectors.json';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_FERNET_KEY } from '../support/config';
import { runReencryptCli } from '../support/custody-cli';
import { withClient } from '../support/database';
import { recordCreatedKeys } from '../support/log-capture';
import { bareEnvironment, REPO_ROOT } from '../support/processes';

const run = promisify(execFile);

const NEW_KEY = FernetKey.generate();
const OLD_KEY = TEST_FERNET_KEY;

/** Fernet key rotation: add a key in front, re-encrypt, retire the old one. */
describe('rotating WALLET_ENCRYPTION_KEY with custody:reencrypt', () => {
  let testApp: TestApp;
  const wallets = ['rot-1', 'rot-2', 'rot-3'];

  beforeAll(async () => {
    testApp = await startTestApp();
    const custody = testApp.app.get(WalletCustodyService);
    for (const walletId of wallets) await custody.create(walletId, {}, { actor: 'test' });
    await testApp.app.close();
  });

  afterAll(() => testApp.close());

  const tokens = () =>
    withClient(
      testApp.database.url,
      async (client) =>
        (
          await client.query<{ encrypted_private_key: string; key_version: number }>(
            `SELECT encrypted_private_key, key_version FROM wallet_custody ORDER BY wallet_id`,
          )
        ).rows,
    );
  const withKeys = async <T>(keys: string[], use: (custody: WalletCustodyService) => Promise<T>): Promise<T> => {
    const app = await createTestApplication({ ...testApp.config, security: { ...testApp.config.security, walletEncryptionKeys: keys } });
    try {
      return await use(app.get(WalletCustodyService));
    } finally {
      await app.close();
    }
  };
  const signAll = (custody: WalletCustodyService) =>
    Promise.all(
      wallets.map((walletId) =>
        custody.withSigner(walletId, { actor: 'test' }, 'check', (account) => account.signMessage({ message: 'x' })),
      ),
    );
  const reencrypt = () => runReencryptCli(testApp, { WALLET_ENCRYPTION_KEY: `${NEW_KEY},${OLD_KEY}` });

  it('keeps old rows readable with both keys, moves every row with custody:reencrypt, then works without the old key', async () => {
    // With the new key first, rows written under the old one still open.
    expect(await withKeys([NEW_KEY, OLD_KEY], signAll)).toHaveLength(3);
    // The new key alone cannot open them yet.
    await expect(withKeys([NEW_KEY], signAll)).rejects.toMatchObject({ code: 'KEY_DECRYPTION_FAILED' });

    const { stdout } = await reencrypt();
    expect(stdout).toMatch(/^re-encrypted 3 wallet key\(s\) under key version \d+; 0 could not be opened/);

    const newRing = new FernetKeyring([NEW_KEY]);
    const rows = await tokens();
    expect(new Set(rows.map((row) => row.key_version)).size).toBe(1);
    const opened = rows.map((row) => newRing.decrypt(unwrapFernetToken(row.encrypted_private_key)).plaintext.toString('ascii'));
    recordCreatedKeys(opened);
    for (const key of opened) expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await withKeys([NEW_KEY], signAll)).toHaveLength(3);

    // Resumable and idempotent: a second run has nothing left to do.
    expect((await reencrypt()).stdout).toMatch(/^re-encrypted 0 wallet key\(s\)/);
    const audited = await withClient(
      testApp.database.url,
      async (client) =>
        (
          await client.query<{ action: string; severity: string }>(
            `SELECT action, severity FROM wallet_audit_logs WHERE actor = 'custody:reencrypt' ORDER BY id`,
          )
        ).rows,
    );
    expect(audited.filter((row) => row.action === 'key_reencrypted')).toEqual(
      Array(3).fill({ action: 'key_reencrypted', severity: 'HIGH' }),
    );
    expect(audited.map((row) => row.action).filter((action) => action.startsWith('reencrypt_'))).toEqual([
      'reencrypt_started',
      'reencrypt_finished',
      'reencrypt_started',
      'reencrypt_finished',
    ]);
  }, 120_000);

  it('signs with a row an earlier version of this service wrote: a bare Fernet token of the key as hex text', async () => {
    const written = vectors.fromPython[0];
    const address = privateKeyToAccount(`0x${written.plaintext}` as Hex).address;
    await withClient(testApp.database.url, (client) =>
      client.query(
        `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_scheme, key_version, status)
         VALUES ('from-python', $1, $2, 'fernet', 1, 'active')`,
        [address.toLowerCase(), written.token],
      ),
    );

    const signature = await withKeys([NEW_KEY, written.key], (custody) =>
      custody.withSigner('from-python', { actor: 'test' }, 'check', (account) => account.signMessage({ message: 'legacy' })),
    );

    expect(await verifyMessage({ address, message: 'legacy', signature })).toBe(true);
  });

  it('keys:generate prints a Fernet key and API keys the configuration accepts', async () => {
    const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', 'scripts/generate-keys.ts'], {
      cwd: REPO_ROOT,
      env: bareEnvironment(),
    });
    const printed = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );

    expect(Object.keys(printed)).toEqual(['WALLET_ENCRYPTION_KEY', 'ADMIN_API_KEY', 'API_KEY']);
    expect(() => FernetKey.parse(printed.WALLET_ENCRYPTION_KEY)).not.toThrow();
    expect(printed.API_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const config = loadConfig({
      ...printed,
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      RPC_URL: 'http://127.0.0.1:8545',
      CHAIN_ID: '8453',
      HAVEN_CONTRACT_ADDRESS: testApp.chain.contractAddress,
      BACKEND_PRIVATE_KEY: testApp.chain.backendPrivateKey,
    });
    expect(config.security.walletEncryptionKeys).toEqual([printed.WALLET_ENCRYPTION_KEY]);
  });
});
