import request from 'supertest';
import { createWalletClient, type Hex, http, parseEventLogs, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { chainFromId } from '../../src/chain/chain.definition';
import { havenAbi } from '../../src/chain/haven.abi';
import { FernetKey, FernetKeyring } from '../../src/custody/crypto/fernet';
import { KeyVault } from '../../src/custody/crypto/key-vault';
import { WalletRevokedError } from '../../src/custody/custody.errors';
import { CustodyImport } from '../../src/custody/import/custody-import.service';
import { ImportAlreadyRunningError } from '../../src/custody/import/import-ledger.repository';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import { startTestApp, type TestApp } from '../support/app';
import { havenBalanceOf, newAddress } from '../support/chain';
import { TEST_ADMIN_API_KEY, TEST_FERNET_KEY } from '../support/config';
import { runImportCli } from '../support/custody-cli';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { recordCreatedKeys } from '../support/log-capture';
import { createPythonBackendDatabase, type PythonBackendDatabase, type PythonWallet } from '../support/python-backend-db';
import { openFernetRow } from '../support/python-custody';

/** The Python backend's Fernet key, which this service's WALLET_ENCRYPTION_KEY must include for the import. */
const PYTHON_KEY = FernetKey.generate();
const key = (): Hex => generatePrivateKey();
const keys = {
  w1Old: key(),
  w1: key(),
  w2: key(),
  w3: key(),
  badAddress: key(),
  undecryptable: key(),
  kms: key(),
  conflict: key(),
  late: key(),
};
const ROTATED_AT = new Date('2025-06-01T08:30:00.000Z');
const ROTATED_NAME = `w1_rotated_${ROTATED_AT.getTime() / 1000}`;

const PYTHON_WALLETS: PythonWallet[] = [
  {
    walletId: ROTATED_NAME,
    privateKey: keys.w1Old,
    status: 'rotated',
    createdAt: new Date('2025-01-10T09:00:00.125Z'),
    rotatedAt: ROTATED_AT,
    lastUsedAt: new Date('2025-05-30T17:45:12.500Z'),
    metadata: '{"tier":"silver"}',
  },
  { walletId: 'w1', privateKey: keys.w1, status: 'active', createdAt: ROTATED_AT, metadata: '{"tier":"gold"}' },
  {
    walletId: 'w2',
    privateKey: keys.w2,
    status: 'active',
    createdAt: new Date('2025-02-02T12:00:00.000Z'),
    lastUsedAt: new Date('2025-07-04T06:00:00.000Z'),
    metadata: 'vip: room 12',
  },
  { walletId: 'w3', privateKey: keys.w3, status: 'revoked', createdAt: new Date('2025-03-03T03:03:03.003Z') },
  {
    walletId: 'bad-address',
    privateKey: keys.badAddress,
    status: 'active',
    createdAt: new Date('2025-04-01T00:00:00.000Z'),
    address: privateKeyToAccount(key()).address,
  },
  {
    walletId: 'undecryptable',
    privateKey: keys.undecryptable,
    status: 'active',
    createdAt: new Date('2025-04-02T00:00:00.000Z'),
    sealedWith: FernetKey.generate(),
  },
  {
    walletId: 'kms-wallet',
    privateKey: keys.kms,
    status: 'active',
    createdAt: new Date('2025-04-03T00:00:00.000Z'),
    encryptionVersion: 'kms_v1',
    kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/python',
  },
  // This service already has an active `conflict` wallet of its own, with another key.
  { walletId: 'conflict', privateKey: keys.conflict, status: 'active', createdAt: new Date('2025-04-04T00:00:00.000Z') },
];

const PYTHON_AUDIT = [
  {
    walletId: 'w1',
    action: 'wallet_created',
    severity: 'info',
    details: '{"address":"0xabc"}',
    ipAddress: '10.1.2.3',
    userAgent: 'python-httpx/0.27',
    userId: 'ops-anna',
    createdAt: new Date('2025-01-10T09:00:00.200Z'),
  },
  {
    walletId: 'w1',
    action: 'wallet_rotated',
    severity: 'high',
    details: '{"reason":"scheduled"}',
    ipAddress: null,
    userAgent: null,
    userId: null,
    createdAt: ROTATED_AT,
  },
  {
    walletId: 'w3',
    action: 'wallet_revoked',
    severity: 'critical',
    details: 'revoked by support ticket 881',
    ipAddress: '10.1.2.4',
    userAgent: null,
    userId: 'ops-ben',
    createdAt: new Date('2025-03-04T00:00:00.000Z'),
  },
];

const IMPORTED = ['w1', 'w2', 'w3'];

/**
 * `custody:import` moving a database laid out as the Python backend's (its wallets sealed by
 * its own code) into this service: run as an operator would, twice, and then every imported
 * active wallet mints on chain.
 */
describe('custody:import from the Python backend', () => {
  let testApp: TestApp;
  let python: PythonBackendDatabase;
  let conflictAddress: string;
  const importEnv = { WALLET_ENCRYPTION_KEY: `${TEST_FERNET_KEY},${PYTHON_KEY}` };
  const runImport = () => runImportCli(testApp, ['--from', python.url], importEnv);

  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(testApp.database.url, async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows);
  const admin = (path: string) => request(testApp.server).get(path).set('X-API-Key', TEST_ADMIN_API_KEY);
  const custodyRows = () =>
    sql<{ wallet_id: string; wallet_address: string }>(
      `SELECT wallet_id, wallet_address, status, encrypted_private_key, encryption_scheme, key_version, metadata,
              created_at, rotated_at, revoked_at, last_used_at
         FROM wallet_custody ORDER BY wallet_id, created_at`,
    );
  const copiedAudit = () =>
    sql(
      `SELECT wallet_id, action, severity, actor, source_ip, details FROM wallet_audit_logs
        WHERE details->>'imported_from' = 'python-backend' ORDER BY id`,
    );
  /** Nothing an operator sees names a private key, the Fernet keys or the source database's password. */
  const expectNoSecrets = (text: string) => {
    for (const secret of [...Object.values(keys).map((hex) => hex.slice(2)), PYTHON_KEY, TEST_FERNET_KEY, python.password])
      expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  };

  beforeAll(async () => {
    recordCreatedKeys(Object.values(keys).map((hex) => hex.slice(2)));
    [testApp, python] = await Promise.all([
      startTestApp({
        config: (config) => ({ ...config, security: { ...config.security, walletEncryptionKeys: [TEST_FERNET_KEY, PYTHON_KEY] } }),
      }),
      createPythonBackendDatabase(PYTHON_KEY, PYTHON_WALLETS, PYTHON_AUDIT),
    ]);
    const created = await request(testApp.server)
      .post('/api/v1/admin/wallets')
      .set('X-API-Key', TEST_ADMIN_API_KEY)
      .send({ walletId: 'conflict' });
    conflictAddress = (created.body.address as string).toLowerCase();
  });

  afterAll(async () => {
    if (testApp !== undefined) {
      const [own] = await sql<{ token: string }>(`SELECT encrypted_private_key AS token FROM wallet_custody WHERE wallet_address = $1`, [
        conflictAddress,
      ]);
      if (own !== undefined) recordCreatedKeys([openFernetRow(own.token, [TEST_FERNET_KEY])]);
    }
    await Promise.all([testApp?.close(), python?.drop()]);
  });

  it('imports the rows that check out, names every refused row and its reason, and exits 1', async () => {
    const { code, stdout, stderr } = await runImport();

    expect(stdout.split('\n')).toEqual([
      `imported 4 wallet row(s): ${ROTATED_NAME} (rotated), w1 (active), w2 (active), w3 (revoked)`,
      'already present 0 wallet row(s)',
      'refused 4 wallet row(s)',
      '  bad-address (python id 5): its key is not the key of wallet_address',
      '  undecryptable (python id 6): does not open with any configured WALLET_ENCRYPTION_KEY',
      "  kms-wallet (python id 7): encryption_version 'kms_v1' is not fernet_v1",
      "  conflict (python id 8): wallet 'conflict' already has an active key here, with another address",
      'copied 3 audit entries (0 already copied)',
      '',
    ]);
    expect(code).toBe(1);
    expectNoSecrets(stdout + stderr);
  }, 60_000);

  it('keeps statuses, rotated history, timestamps and metadata, and copies each sealed key as Python stored it', async () => {
    const version = (fernetKey: string) => new KeyVault(new FernetKeyring([fernetKey]), null).currentVersion;
    /** The row imported from the Python row named `pythonWalletId`. */
    const imported = (pythonWalletId: string, walletId: string, status: string) => ({
      wallet_id: walletId,
      status,
      wallet_address: python.stored.get(pythonWalletId)!.address.toLowerCase(),
      encrypted_private_key: python.stored.get(pythonWalletId)!.encryptedPrivateKey,
      encryption_scheme: 'fernet',
      // The Python key opened it, so custody:reencrypt will move it under this service's first key.
      key_version: version(PYTHON_KEY),
      revoked_at: null,
    });

    const rows = await custodyRows();

    expect(rows.map((row) => row.wallet_id)).toEqual(['conflict', 'w1', 'w1', 'w2', 'w3']);
    expect(rows.find((row) => row.wallet_id === 'conflict')).toMatchObject({
      wallet_address: conflictAddress,
      key_version: version(TEST_FERNET_KEY),
    });
    expect(rows.filter((row) => IMPORTED.includes(row.wallet_id))).toEqual([
      {
        ...imported(ROTATED_NAME, 'w1', 'rotated'),
        metadata: { tier: 'silver' },
        created_at: new Date('2025-01-10T09:00:00.125Z'),
        rotated_at: ROTATED_AT,
        last_used_at: new Date('2025-05-30T17:45:12.500Z'),
      },
      { ...imported('w1', 'w1', 'active'), metadata: { tier: 'gold' }, created_at: ROTATED_AT, rotated_at: null, last_used_at: null },
      {
        ...imported('w2', 'w2', 'active'),
        metadata: { legacy_metadata: 'vip: room 12' },
        created_at: new Date('2025-02-02T12:00:00.000Z'),
        rotated_at: null,
        last_used_at: new Date('2025-07-04T06:00:00.000Z'),
      },
      {
        ...imported('w3', 'w3', 'revoked'),
        metadata: {},
        created_at: new Date('2025-03-03T03:03:03.003Z'),
        rotated_at: null,
        last_used_at: null,
      },
    ]);
    // The refused rows' addresses are nowhere in this service's custody.
    const refusedAddresses = ['bad-address', 'undecryptable', 'kms-wallet', 'conflict'].map((id) =>
      python.stored.get(id)!.address.toLowerCase(),
    );
    expect(rows.filter((row) => refusedAddresses.includes(row.wallet_address))).toEqual([]);
  });

  it('shows the imported wallet with its rotated key as history through the admin route', async () => {
    const shown = await admin('/api/v1/admin/wallets/w1');

    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      wallet_id: 'w1',
      address: python.stored.get('w1')!.address,
      status: 'active',
      created_at: ROTATED_AT.toISOString(),
      last_used_at: null,
      history: [
        {
          address: python.stored.get(ROTATED_NAME)!.address,
          status: 'rotated',
          rotated_at: ROTATED_AT.toISOString(),
          last_used_at: '2025-05-30T17:45:12.500Z',
        },
      ],
    });
  });

  it('audits each imported and refused row and the run, and copies the Python trail with its original columns', async () => {
    const entries = await sql<{
      action: string;
      wallet_id: string | null;
      severity: string;
      actor: string;
      details: Record<string, unknown>;
    }>(`SELECT wallet_id, action, severity, actor, details FROM wallet_audit_logs WHERE actor = 'custody:import' ORDER BY id`);
    expect(entries.map((entry) => [entry.action, entry.wallet_id, entry.severity])).toEqual([
      ['import_started', null, 'MEDIUM'],
      ['wallet_imported', 'w1', 'HIGH'],
      ['wallet_imported', 'w1', 'HIGH'],
      ['wallet_imported', 'w2', 'HIGH'],
      ['wallet_imported', 'w3', 'HIGH'],
      ['wallet_import_refused', 'bad-address', 'HIGH'],
      ['wallet_import_refused', 'undecryptable', 'HIGH'],
      ['wallet_import_refused', 'kms-wallet', 'HIGH'],
      ['wallet_import_refused', 'conflict', 'HIGH'],
      ['import_finished', null, 'MEDIUM'],
    ]);
    expect(entries[1].details).toEqual({
      python_id: '1',
      python_wallet_id: ROTATED_NAME,
      address: python.stored.get(ROTATED_NAME)!.address.toLowerCase(),
      status: 'rotated',
    });
    expect(entries.at(-1)!.details).toEqual({
      database: new URL(python.url).pathname.slice(1),
      imported: 4,
      present: 0,
      refused: 4,
      audit_copied: 3,
      audit_problem: null,
    });

    expect(await copiedAudit()).toEqual([
      {
        wallet_id: 'w1',
        action: 'wallet_created',
        severity: 'LOW',
        actor: 'python-backend:ops-anna',
        source_ip: '10.1.2.3',
        details: {
          imported_from: 'python-backend',
          python_audit_id: '1',
          python_created_at: '2025-01-10T09:00:00.200Z',
          python_details: { address: '0xabc' },
          python_row: {
            id: 1,
            wallet_id: 'w1',
            action: 'wallet_created',
            severity: 'info',
            ip_address: '10.1.2.3',
            user_agent: 'python-httpx/0.27',
            user_id: 'ops-anna',
            created_at: '2025-01-10T09:00:00.200Z',
          },
        },
      },
      expect.objectContaining({ wallet_id: 'w1', action: 'wallet_rotated', severity: 'HIGH', actor: 'python-backend', source_ip: null }),
      expect.objectContaining({
        wallet_id: 'w3',
        action: 'wallet_revoked',
        severity: 'CRITICAL',
        details: expect.objectContaining({ python_audit_id: '3', python_details: 'revoked by support ticket 881' }),
      }),
    ]);
  });

  it('a second run imports nothing, copies no audit entry twice, and leaves the audit chain valid', async () => {
    const [rowsBefore, auditBefore] = await Promise.all([custodyRows(), copiedAudit()]);

    const { code, stdout } = await runImport();

    expect(stdout).toContain('imported 0 wallet row(s)\nalready present 4 wallet row(s)\nrefused 4 wallet row(s)\n');
    expect(stdout).toContain('copied 0 audit entries (3 already copied)');
    expect(code).toBe(1);
    expect(await custodyRows()).toEqual(rowsBefore);
    expect(await copiedAudit()).toEqual(auditBefore);
    const [{ count }] = await sql<{ count: number }>(`SELECT count(*)::int AS count FROM wallet_audit_logs`);
    const verified = await admin('/api/v1/admin/audit/wallet-logs/verify');
    expect(verified.body).toEqual({ valid: true, checked: expect.any(Number) });
    expect(verified.body.checked).toBeGreaterThanOrEqual(count);
  }, 60_000);

  it('exits 0 when no row is refused, with the source given as IMPORT_FROM_DATABASE_URL and no Python audit table', async () => {
    const clean = await createPythonBackendDatabase(
      PYTHON_KEY,
      [{ walletId: 'w9', privateKey: keys.late, status: 'active', createdAt: new Date('2025-08-08T08:08:08.008Z') }],
      null,
    );
    try {
      const { code, stdout, stderr } = await runImportCli(testApp, [], { ...importEnv, IMPORT_FROM_DATABASE_URL: clean.url });

      expect(stdout).toBe(
        'imported 1 wallet row(s): w9 (active)\nalready present 0 wallet row(s)\nrefused 0 wallet row(s)\n' +
          'copied 0 audit entries (the Python backend has no wallet_audit_logs table)\n',
      );
      expect(code).toBe(0);
      expectNoSecrets(stdout + stderr);
      expect(await testApp.app.get(WalletCustodyService).activeAddress('w9')).toBe(clean.stored.get('w9')!.address);
    } finally {
      await clean.drop();
    }
  }, 60_000);

  it('refuses to start while another import holds the run lock, writing nothing', async () => {
    const auditCount = async () => (await sql<{ count: number }>(`SELECT count(*)::int AS count FROM wallet_audit_logs`))[0].count;
    const [rowsBefore, auditBefore] = await Promise.all([custodyRows(), auditCount()]);

    const refused = await withClient(testApp.database.url, async (other) => {
      // What a running import holds for its whole run.
      await other.query(`SELECT pg_advisory_lock($1, 1)`, [0x4856_4950]);
      return testApp.app
        .get(CustodyImport)
        .run(python.url)
        .then(
          () => null,
          (error: unknown) => error,
        );
    });

    expect(refused).toBeInstanceOf(ImportAlreadyRunningError);
    expect(await custodyRows()).toEqual(rowsBefore);
    expect(await auditCount()).toBe(auditBefore);
  });

  it('every imported active wallet signs a mint on the chain, and its last_used_at then shows the signing', async () => {
    const { chain } = testApp;
    const custody = testApp.app.get(WalletCustodyService);
    const minterRole = await chain.publicClient.readContract({
      address: chain.contractAddress,
      abi: havenAbi,
      functionName: 'MINTER_ROLE',
    });
    const holder = newAddress();
    const before = new Date();

    const imported = await sql<{ wallet_id: string }>(
      `SELECT wallet_id FROM wallet_audit_logs WHERE action = 'wallet_imported' AND details->>'status' = 'active' ORDER BY wallet_id`,
    );
    expect(imported.map((row) => row.wallet_id)).toEqual(['w1', 'w2', 'w9']);
    const updatedAt = () => sql(`SELECT wallet_id, updated_at FROM wallet_custody WHERE status = 'active' ORDER BY wallet_id`);
    const updatedBefore = await updatedAt();

    for (const { wallet_id: walletId } of imported) {
      const address = (await custody.activeAddress(walletId))!;
      // The operator's part: gas and the minter role for the imported address.
      await chain.testClient.setBalance({ address, value: 10n ** 18n });
      await chain.publicClient.waitForTransactionReceipt({
        hash: await chain.backendWallet.writeContract({
          address: chain.contractAddress,
          abi: havenAbi,
          functionName: 'grantRole',
          args: [minterRole, address],
        }),
      });

      const hash = await custody.withSigner(walletId, { actor: 'test' }, 'imported wallet mints', (account) =>
        createWalletClient({ account, chain: chainFromId(chain.chainId, chain.rpcUrl), transport: http(chain.rpcUrl) }).writeContract({
          address: chain.contractAddress,
          abi: havenAbi,
          functionName: 'mint',
          args: [holder, parseUnits('5', 18), `imported ${walletId}`],
        }),
      );

      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.from.toLowerCase()).toBe(address.toLowerCase());
      expect(parseEventLogs({ abi: havenAbi, eventName: 'Minted', logs: receipt.logs })).toEqual([
        expect.objectContaining({ args: { to: holder, amount: parseUnits('5', 18), reason: `imported ${walletId}` } }),
      ]);
    }
    expect(await havenBalanceOf(chain, holder)).toBe(parseUnits('15', 18));

    // Recorded without holding up the signing, so it is waited for. w2's Python value was older.
    for (const { wallet_id: walletId } of imported) {
      const shown = await eventually(async () => {
        const wallet = await admin(`/api/v1/admin/wallets/${walletId}`);
        expect(wallet.body.last_used_at).toEqual(expect.any(String));
        return wallet.body as { wallet_id: string; last_used_at: string };
      });
      expect(shown.wallet_id).toBe(walletId);
      // The database's clock and this process's agree to well within a second.
      expect(new Date(shown.last_used_at).getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    }
    // Signing is not a change to the wallet.
    expect(await updatedAt()).toEqual(updatedBefore);
    await expect(custody.withSigner('w3', { actor: 'test' }, 'revoked stays revoked', async () => 'signed')).rejects.toBeInstanceOf(
      WalletRevokedError,
    );
  }, 60_000);
});
