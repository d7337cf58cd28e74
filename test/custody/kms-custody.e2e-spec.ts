import request from 'supertest';
import { type Address, verifyMessage } from 'viem';

import { CircuitBreakerOpenError } from '../../src/circuit-breaker/circuit-breaker.errors';
import { CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import { KeyVault } from '../../src/custody/crypto/key-vault';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { type LoopbackKms, startLoopbackKms } from '../support/kms-server';
import { recordCreatedKeys } from '../support/log-capture';

const KMS_OPEN_TIMEOUT_MS = 1_000;

describe('custody with KMS envelope encryption', () => {
  let kms: LoopbackKms;
  let testApp: TestApp;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    // The SDK signs every request; the loopback KMS accepts any credentials.
    process.env.AWS_ACCESS_KEY_ID = 'AKIATESTTESTTESTTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-for-the-loopback-kms';
    kms = await startLoopbackKms();
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        security: { ...config.security, kms: { enabled: true, keyId: 'alias/haven-test', region: 'eu-west-1', endpoint: kms.endpoint } },
        circuitBreakers: {
          ...config.circuitBreakers,
          kms: { failureThreshold: 3, successThreshold: 2, openTimeoutMs: KMS_OPEN_TIMEOUT_MS },
        },
      }),
    });
  });

  afterAll(async () => {
    await testApp.close();
    await kms.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  const createWallet = (walletId: string) =>
    request(testApp.server).post('/api/v1/admin/wallets').set('X-API-Key', TEST_ADMIN_API_KEY).send({ walletId });
  const sign = (walletId: string) =>
    testApp.app
      .get(WalletCustodyService)
      .withSigner(walletId, { actor: 'test' }, 'message', (account) => account.signMessage({ message: 'kms' }));
  const databaseText = () =>
    withClient(
      testApp.database.url,
      async (client) => (await client.query<{ dump: string }>(`SELECT json_agg(w)::text AS dump FROM wallet_custody w`)).rows[0].dump,
    );

  it('seals each key under its own KMS data key and stores no data key in plaintext', async () => {
    const created = await createWallet('kms-guest-1');

    expect(created.status).toBe(201);
    expect(created.body.encryption_scheme).toBe('kms');
    expect(kms.calls.GenerateDataKey).toBe(1);
    const dump = await databaseText();
    expect(dump).toContain('"encrypted_data_key"');
    for (const dataKey of kms.issuedDataKeys) {
      expect(dump).not.toContain(dataKey);
      expect(dump).not.toContain(Buffer.from(dataKey, 'base64').toString('hex'));
      expect(dump).not.toContain(Buffer.from(dataKey, 'base64').toString('base64url'));
    }
    const signature = await sign('kms-guest-1');
    expect(await verifyMessage({ address: created.body.address as Address, message: 'kms', signature })).toBe(true);
    expect(kms.calls.Decrypt).toBe(1);
    const [row] = await withClient(
      testApp.database.url,
      async (client) => (await client.query(`SELECT * FROM wallet_custody WHERE wallet_id = 'kms-guest-1'`)).rows,
    );
    const key = await testApp.app.get(KeyVault).open(
      {
        encryptedPrivateKey: row.encrypted_private_key,
        encryptionScheme: 'kms',
        keyVersion: row.key_version,
        encryptedDataKey: row.encrypted_data_key,
        kmsKeyId: row.kms_key_id,
      },
      'kms-guest-1',
    );
    recordCreatedKeys([key.toString('hex')]);
    // The key KMS reported, not the alias configured: the alias may later point elsewhere.
    expect(row.kms_key_id).toBe(kms.keyArn('alias/haven-test'));
    expect(row.kms_key_id).toMatch(/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\//);
    expect(kms.decryptKeyIds).toEqual([row.kms_key_id, row.kms_key_id]);
  });

  describe('a stored envelope that was tampered with', () => {
    const envelopeOf = async (walletId: string) =>
      withClient(
        testApp.database.url,
        async (client) =>
          (
            await client.query<{ encrypted_private_key: string }>(
              `SELECT encrypted_private_key FROM wallet_custody WHERE wallet_id = $1 AND status = 'active'`,
              [walletId],
            )
          ).rows[0].encrypted_private_key,
      );
    const storeEnvelope = (walletId: string, envelope: string) =>
      withClient(testApp.database.url, (client) =>
        client.query(`UPDATE wallet_custody SET encrypted_private_key = $2 WHERE wallet_id = $1 AND status = 'active'`, [
          walletId,
          envelope,
        ]),
      );
    const withPart = (envelope: string, index: number, change: (part: Buffer) => Buffer) =>
      envelope
        .split('.')
        .map((part, at) => (at === index ? change(Buffer.from(part, 'base64url')).toString('base64url') : part))
        .join('.');

    let original: string;

    beforeAll(async () => {
      expect((await createWallet('kms-tamper')).status).toBe(201);
      original = await envelopeOf('kms-tamper');
    });

    afterEach(() => storeEnvelope('kms-tamper', original));

    it.each([
      // GCM checks a truncated tag only as far as it goes: without a pinned length these open.
      ['its tag truncated to 12 bytes', (envelope: string) => withPart(envelope, 2, (tag) => tag.subarray(0, 12))],
      ['its tag truncated to 4 bytes', (envelope: string) => withPart(envelope, 2, (tag) => tag.subarray(0, 4))],
      ['a 17-byte tag', (envelope: string) => withPart(envelope, 2, (tag) => Buffer.concat([tag, Buffer.from([0])]))],
      ['a 16-byte IV', (envelope: string) => withPart(envelope, 1, (iv) => Buffer.concat([iv, Buffer.alloc(4)]))],
      ['a part that is not base64url', (envelope: string) => envelope.replace(/\.([^.]+)$/, '.!$1')],
      ['a fifth part', (envelope: string) => `${envelope}.AAAA`],
    ])('refuses %s as KEY_DECRYPTION_FAILED, without asking KMS', async (_label, tamper) => {
      const decrypts = kms.calls.Decrypt ?? 0;
      await storeEnvelope('kms-tamper', tamper(original));

      await expect(sign('kms-tamper')).rejects.toMatchObject({ code: 'KEY_DECRYPTION_FAILED', status: 500 });
      expect(kms.calls.Decrypt ?? 0).toBe(decrypts);
    });

    it('opens the envelope as it was stored', async () => {
      expect(await sign('kms-tamper')).toMatch(/^0x/);
    });
  });

  it('fails fast with CIRCUIT_BREAKER_OPEN once KMS is down, and recovers when it returns', async () => {
    await kms.stop();

    // Each failure is a real attempt; the third opens the breaker.
    for (let i = 0; i < 3; i++) {
      const failure = await sign('kms-guest-1').catch((error: unknown) => error);
      expect(failure).not.toBeInstanceOf(CircuitBreakerOpenError);
    }
    const refused = await createWallet('kms-guest-2');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'CIRCUIT_BREAKER_OPEN', details: { breaker: 'kms' } });
    await expect(sign('kms-guest-1')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    const health = await request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY);
    expect(health.body.circuit_breakers.kms.state).toBe('open');

    await kms.resume();
    await eventually(async () => expect(await sign('kms-guest-1')).toMatch(/^0x/), { timeoutMs: 10_000, intervalMs: 200 });
    // The first success was a half-open probe; the second closes the breaker.
    expect(testApp.app.get(CircuitBreakerRegistry).get('kms')!.snapshot.state).toBe('half_open');
    await sign('kms-guest-1');
    expect(testApp.app.get(CircuitBreakerRegistry).get('kms')!.snapshot.state).toBe('closed');
    expect((await createWallet('kms-guest-2')).status).toBe(201);
  });
});
