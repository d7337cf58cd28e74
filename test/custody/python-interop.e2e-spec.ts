import { type Hex, verifyMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { FernetKey, FernetKeyring } from '../../src/custody/crypto/fernet';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import vectors from '../fixtures/python-custody-vectors.json';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_FERNET_KEY } from '../support/config';
import { runReencryptCli } from '../support/custody-cli';
import { withClient } from '../support/database';
import { recordCreatedKeys } from '../support/log-capture';
import { pythonCustody } from '../support/python-custody';

/**
 * Rollback and cut-over both need the Python backend and this service to open each other's
 * wallet rows. Python's side is its own code (scripts/python-custody.py) run by Python.
 */
describe('wallet rows shared with the Python backend, both ways', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(() => testApp.close());

  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(testApp.database.url, async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows);

  const insertFernetRow = (walletId: string, address: string, stored: string) =>
    sql(
      `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_scheme, key_version, status)
       VALUES ($1, $2, $3, 'fernet', 1, 'active')`,
      [walletId, address.toLowerCase(), stored],
    );

  const withKeys = async <T>(keys: string[], use: (custody: WalletCustodyService) => Promise<T>): Promise<T> => {
    const app = await createTestApplication({ ...testApp.config, security: { ...testApp.config.security, walletEncryptionKeys: keys } });
    try {
      return await use(app.get(WalletCustodyService));
    } finally {
      await app.close();
    }
  };

  const signs = async (custody: WalletCustodyService, walletId: string, address: Hex) => {
    const signature = await custody.withSigner(walletId, { actor: 'test' }, 'interop check', (account) =>
      account.signMessage({ message: walletId }),
    );
    return verifyMessage({ address, message: walletId, signature });
  };

  it('opens rows the Python backend wrote (vectors made by its code) and signs with the right address', async () => {
    for (const [i, row] of vectors.rows.entries()) {
      await insertFernetRow(`python-vector-${i}`, privateKeyToAccount(row.privateKey as Hex).address, row.stored);
    }

    const verified = await withKeys([TEST_FERNET_KEY, ...vectors.rows.map((row) => row.key)], (custody) =>
      Promise.all(vectors.rows.map((row, i) => signs(custody, `python-vector-${i}`, privateKeyToAccount(row.privateKey as Hex).address))),
    );

    expect(verified).toEqual([true, true, true]);
  });

  it('writes rows the Python backend opens: base64 of a Fernet token of the key as hex text', async () => {
    const custody = testApp.app.get(WalletCustodyService);
    const walletIds = ['made-here-1', 'made-here-2'];
    for (const walletId of walletIds) await custody.create(walletId, {}, { actor: 'test' });
    const rows = await sql<{ wallet_address: string; encrypted_private_key: string }>(
      `SELECT wallet_address, encrypted_private_key FROM wallet_custody WHERE wallet_id = ANY($1) ORDER BY wallet_id`,
      [walletIds],
    );

    const opened = await pythonCustody(
      'open',
      TEST_FERNET_KEY,
      rows.map((row) => row.encrypted_private_key),
    );
    recordCreatedKeys(opened.map((key) => key.slice(2)));

    expect(opened.map((key) => privateKeyToAccount(key as Hex).address.toLowerCase())).toEqual(rows.map((row) => row.wallet_address));
    for (const row of rows) expect(row.encrypted_private_key).toMatch(/^Z0FBQUFB[A-Za-z0-9+/]+={0,2}$/);
  });

  it('opens what Python seals now, not only the stored vectors', async () => {
    const key = FernetKey.generate();
    const account = privateKeyToAccount(`0x${'5a'.repeat(32)}`);
    const [stored] = await pythonCustody('seal', key, [`0x${'5a'.repeat(32)}`]);
    await insertFernetRow('python-live', account.address, stored);

    expect(await withKeys([TEST_FERNET_KEY, key], (custody) => signs(custody, 'python-live', account.address))).toBe(true);
  });

  it("custody:reencrypt rewrites this service's earlier bare-token rows in the Python form, which Python then opens", async () => {
    // Rows under the other tests' keys would not open with TEST_FERNET_KEY alone.
    await sql(`DELETE FROM wallet_custody WHERE wallet_id LIKE 'python-%'`);
    const ring = new FernetKeyring([TEST_FERNET_KEY]);
    const rawBytes = privateKeyToAccount(`0x${'6b'.repeat(32)}`);
    const hexText = privateKeyToAccount(`0x${'7c'.repeat(32)}`);
    await insertFernetRow('legacy-raw', rawBytes.address, ring.encrypt(Buffer.from('6b'.repeat(32), 'hex')));
    await insertFernetRow('legacy-hex', hexText.address, ring.encrypt(Buffer.from('7c'.repeat(32))));

    const { stdout } = await runReencryptCli(testApp, { WALLET_ENCRYPTION_KEY: TEST_FERNET_KEY });
    expect(stdout).toMatch(/^re-encrypted 2 wallet key\(s\)/);

    const rows = await sql<{ encrypted_private_key: string }>(
      `SELECT encrypted_private_key FROM wallet_custody WHERE wallet_id IN ('legacy-raw', 'legacy-hex') ORDER BY wallet_id`,
    );
    expect(
      await pythonCustody(
        'open',
        TEST_FERNET_KEY,
        rows.map((row) => row.encrypted_private_key),
      ),
    ).toEqual([`0x${'7c'.repeat(32)}`, `0x${'6b'.repeat(32)}`]);
    expect((await runReencryptCli(testApp, { WALLET_ENCRYPTION_KEY: TEST_FERNET_KEY })).stdout).toMatch(/^re-encrypted 0 wallet key\(s\)/);
  }, 120_000);
});
