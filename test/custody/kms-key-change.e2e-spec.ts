import { type Address, verifyMessage } from 'viem';

import type { AppConfig } from '../../src/config';
import { KeyVault } from '../../src/custody/crypto/key-vault';
import { versionOf } from '../../src/custody/crypto/kms-envelope';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_FERNET_KEY } from '../support/config';
import { runReencryptCli } from '../support/custody-cli';
import { withClient } from '../support/database';
import { type LoopbackKms, startLoopbackKms } from '../support/kms-server';
import { recordCreatedKeys } from '../support/log-capture';

const KEY_A = 'alias/haven-key-a';
const KEY_B = 'alias/haven-key-b';
/** The SDK signs every request; the loopback KMS accepts any credentials. */
const AWS_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST', AWS_SECRET_ACCESS_KEY: 'test-secret-for-the-loopback-kms' };

interface StoredRow {
  wallet_id: string;
  wallet_address: string;
  key_version: number;
  kms_key_id: string | null;
}

/**
 * KMS_KEY_ID changes from key A to key B: rows sealed under A keep opening (each names its
 * own key), `custody:reencrypt` rewraps them under B, and then A can be disabled.
 */
describe('changing KMS_KEY_ID with custody:reencrypt', () => {
  let kms: LoopbackKms;
  let testApp: TestApp;
  const wallets = ['kc-1', 'kc-2', 'kc-legacy'];
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  const kmsConfig = (config: AppConfig, keyId: string): AppConfig => ({
    ...config,
    security: { ...config.security, kms: { enabled: true, keyId, region: 'eu-west-1', endpoint: kms.endpoint } },
  });
  const rows = () =>
    withClient(
      testApp.database.url,
      async (client) =>
        (
          await client.query<StoredRow>(
            `SELECT wallet_id, wallet_address, key_version, kms_key_id FROM wallet_custody WHERE wallet_id = ANY($1) ORDER BY wallet_id`,
            [wallets],
          )
        ).rows,
    );
  const withKmsKey = async <T>(keyId: string, use: (custody: WalletCustodyService, vault: KeyVault) => Promise<T>): Promise<T> => {
    const app = await createTestApplication(kmsConfig(testApp.config, keyId));
    try {
      return await use(app.get(WalletCustodyService), app.get(KeyVault));
    } finally {
      await app.close();
    }
  };
  /** Signs with every wallet and checks each signature against the address stored for it. */
  const signAll = async (custody: WalletCustodyService): Promise<number> => {
    for (const row of await rows()) {
      const signature = await custody.withSigner(row.wallet_id, { actor: 'test' }, 'check', (account) =>
        account.signMessage({ message: 'key change' }),
      );
      expect(await verifyMessage({ address: row.wallet_address as Address, message: 'key change', signature })).toBe(true);
    }
    return wallets.length;
  };
  const decryptsDuring = async (work: () => Promise<unknown>): Promise<Array<string | null>> => {
    const before = kms.decryptKeyIds.length;
    await work();
    return kms.decryptKeyIds.slice(before);
  };
  const reencrypt = (keyId: string) =>
    runReencryptCli(testApp, {
      ...AWS_CREDENTIALS,
      WALLET_ENCRYPTION_KEY: TEST_FERNET_KEY,
      KMS_ENABLED: 'true',
      KMS_KEY_ID: keyId,
      KMS_REGION: 'eu-west-1',
      KMS_ENDPOINT: kms.endpoint,
    });

  /** Every key the wallets hold, for the end-of-run search of every log line for created keys. */
  const recordKeys = async () => {
    const sealed = await withClient(
      testApp.database.url,
      async (client) => (await client.query(`SELECT * FROM wallet_custody WHERE wallet_id = ANY($1)`, [wallets])).rows,
    );
    const keys = await withKmsKey(KEY_B, (_custody, vault) =>
      Promise.all(
        sealed.map(async (row) =>
          (
            await vault.open(
              {
                encryptedPrivateKey: row.encrypted_private_key,
                encryptionScheme: row.encryption_scheme,
                keyVersion: row.key_version,
                encryptedDataKey: row.encrypted_data_key,
                kmsKeyId: row.kms_key_id,
              },
              row.wallet_id,
            )
          ).toString('hex'),
        ),
      ),
    );
    recordCreatedKeys(keys);
  };

  beforeAll(async () => {
    Object.assign(process.env, AWS_CREDENTIALS);
    kms = await startLoopbackKms();
    // Both keys exist in KMS before the switch, as they would in AWS.
    kms.keyArn(KEY_A);
    kms.keyArn(KEY_B);
    testApp = await startTestApp({ config: (config) => kmsConfig(config, KEY_A) });
    const custody = testApp.app.get(WalletCustodyService);
    for (const walletId of wallets) await custody.create(walletId, {}, { actor: 'test' });
    // As a row sealed under A before rows named their KMS key.
    await withClient(testApp.database.url, (client) =>
      client.query(`UPDATE wallet_custody SET kms_key_id = NULL WHERE wallet_id = 'kc-legacy'`),
    );
    await testApp.app.close();
  });

  afterAll(async () => {
    try {
      await recordKeys();
    } finally {
      await testApp.close();
      await kms.close();
    }
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  it('stores with each row the key that sealed it, as KMS names it', async () => {
    expect(await rows()).toEqual([
      expect.objectContaining({ wallet_id: 'kc-1', key_version: versionOf(`kms:${KEY_A}`), kms_key_id: kms.keyArn(KEY_A) }),
      expect.objectContaining({ wallet_id: 'kc-2', key_version: versionOf(`kms:${KEY_A}`), kms_key_id: kms.keyArn(KEY_A) }),
      expect.objectContaining({ wallet_id: 'kc-legacy', key_version: versionOf(`kms:${KEY_A}`), kms_key_id: null }),
    ]);
  });

  it('opens rows sealed under key A once KMS_KEY_ID is key B, naming key A to KMS', async () => {
    const keyIds = await decryptsDuring(async () => expect(await withKmsKey(KEY_B, signAll)).toBe(3));

    // The legacy row names no key; sealed under another key than B, KMS finds A from the blob.
    expect(keyIds).toEqual([kms.keyArn(KEY_A), kms.keyArn(KEY_A), null]);
  });

  it('moves every row to key B with custody:reencrypt, after which key A can be disabled', async () => {
    const { stdout } = await reencrypt(KEY_B);

    expect(stdout).toMatch(/^re-encrypted 3 wallet key\(s\) under key version \d+; 0 could not be opened/);
    const moved = await rows();
    for (const row of moved) expect(row).toMatchObject({ key_version: versionOf(`kms:${KEY_B}`), kms_key_id: kms.keyArn(KEY_B) });
    kms.disableKey(KEY_A);
    const keyIds = await decryptsDuring(async () => expect(await withKmsKey(KEY_B, signAll)).toBe(3));
    expect(keyIds).toEqual(Array(3).fill(kms.keyArn(KEY_B)));
    // Idempotent: nothing is left to move.
    expect((await reencrypt(KEY_B)).stdout).toMatch(/^re-encrypted 0 wallet key\(s\)/);
  });

  it('opens a row that names no key under the configured one, and custody:reencrypt records its key', async () => {
    await withClient(testApp.database.url, (client) =>
      client.query(`UPDATE wallet_custody SET kms_key_id = NULL WHERE wallet_id = 'kc-legacy'`),
    );

    const keyIds = await decryptsDuring(() => withKmsKey(KEY_B, signAll));
    expect(keyIds).toEqual([kms.keyArn(KEY_B), kms.keyArn(KEY_B), KEY_B]);

    expect((await reencrypt(KEY_B)).stdout).toMatch(/^re-encrypted 1 wallet key\(s\)/);
    expect((await rows()).find((row) => row.wallet_id === 'kc-legacy')?.kms_key_id).toBe(kms.keyArn(KEY_B));
  });
});
