import type { Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Address } from 'viem';

import { SignerWalletInUseError } from '../../src/custody/custody.errors';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_FERNET_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { recordCreatedKeys } from '../support/log-capture';
import { openFernetRow } from '../support/python-custody';

const ERROR_SHAPE_KEYS = ['details', 'error', 'error_id', 'message', 'request_id', 'timestamp', 'user_message'];
const SIGNER = 'hot-wallet';
const OTHER = 'guest-7';

/**
 * The wallet named by BACKEND_SIGNER_WALLET_ID cannot be rotated or revoked in place: a new
 * key would hold no role on the token and the running pipeline keeps the address it read at
 * start; a revoked one would fail every send. Other wallets are not affected.
 */
describe('rotating or revoking the custody wallet the pipeline signs with', () => {
  let setup: TestApp;
  let custodySigned: INestApplication | undefined;

  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(setup.database.url, async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows);
  const custodyRows = (walletId: string) =>
    sql(
      `SELECT id, wallet_address, status, encrypted_private_key, updated_at, rotated_at, revoked_at FROM wallet_custody WHERE wallet_id = $1 ORDER BY id`,
      [walletId],
    );
  const auditOf = (requestId: string) =>
    sql<{ action: string }>(`SELECT wallet_id, action, severity, actor, details FROM wallet_audit_logs WHERE request_id = $1 ORDER BY id`, [
      requestId,
    ]);

  beforeAll(async () => {
    setup = await startTestApp();
    for (const walletId of [SIGNER, OTHER]) {
      const created = await request(setup.server).post('/api/v1/admin/wallets').set('X-API-Key', TEST_ADMIN_API_KEY).send({ walletId });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    const sealed = setup === undefined ? [] : await sql<{ token: string }>(`SELECT encrypted_private_key AS token FROM wallet_custody`);
    recordCreatedKeys(sealed.map((row) => openFernetRow(row.token, [TEST_FERNET_KEY])));
    await custodySigned?.close();
    await setup?.close();
  });

  it('rotates that wallet id freely while the service signs with BACKEND_PRIVATE_KEY', async () => {
    const rotated = await request(setup.server).post(`/api/v1/admin/wallets/${SIGNER}/rotate`).set('X-API-Key', TEST_ADMIN_API_KEY);

    expect(rotated.status).toBe(200);
    expect(rotated.body.history).toHaveLength(1);
  });

  describe('once BACKEND_SIGNER_WALLET_ID names it', () => {
    let server: Server;
    const admin = (path: string) => request(server).post(path).set('X-API-Key', TEST_ADMIN_API_KEY);

    beforeAll(async () => {
      // Only one pipeline may run on this database: the set-up instance stops first.
      await setup.app.close();
      custodySigned = await createTestApplication({
        ...setup.config,
        chain: { ...setup.config.chain, backendPrivateKey: undefined, signerWalletId: SIGNER },
      });
      await custodySigned.listen(0, '127.0.0.1');
      server = custodySigned.getHttpServer() as Server;
    });

    it.each(['rotate', 'revoke'] as const)(
      'refuses to %s it with 409 SIGNER_WALLET_IN_USE, changing nothing but the audit trail',
      async (operation) => {
        const before = await custodyRows(SIGNER);

        const refused = await admin(`/api/v1/admin/wallets/${SIGNER}/${operation}`);

        expect(refused.status).toBe(409);
        expect(Object.keys(refused.body).sort()).toEqual(ERROR_SHAPE_KEYS);
        expect(refused.body).toMatchObject({
          error: 'SIGNER_WALLET_IN_USE',
          message: expect.stringContaining('BACKEND_SIGNER_WALLET_ID'),
          user_message: expect.stringContaining('set BACKEND_SIGNER_WALLET_ID'),
          details: { wallet_id: SIGNER, operation },
          request_id: refused.headers['x-request-id'],
        });
        const after = await custodyRows(SIGNER);
        expect(after).toEqual(before);
        expect(after.filter((row) => row.status === 'active')).toHaveLength(1);
        // The refusal is audited with the operation; the access log adds its own row once answered.
        const actor = expect.stringMatching(/^admin-key:/);
        await eventually(async () =>
          expect(await auditOf(refused.headers['x-request-id'])).toEqual([
            {
              wallet_id: SIGNER,
              action: `wallet_${operation}_refused`,
              severity: 'MEDIUM',
              actor,
              details: { reason: 'signer wallet in use' },
            },
            {
              wallet_id: SIGNER,
              action: 'admin_request',
              severity: 'LOW',
              actor,
              details: { method: 'POST', path: `/api/v1/admin/wallets/${SIGNER}/${operation}`, status: 409 },
            },
          ]),
        );
      },
    );

    it('refuses the same through WalletCustodyService, and the wallet still signs as before', async () => {
      const custody = custodySigned!.get(WalletCustodyService);
      const address = (await custody.activeAddress(SIGNER)) as Address;

      await expect(custody.rotate(SIGNER, { actor: 'test' })).rejects.toBeInstanceOf(SignerWalletInUseError);
      await expect(custody.revoke(SIGNER, { actor: 'test' })).rejects.toBeInstanceOf(SignerWalletInUseError);

      expect(await custody.withSigner(SIGNER, { actor: 'test' }, 'check', async (account) => account.address)).toBe(address);
      expect(await sql(`SELECT action FROM wallet_audit_logs WHERE actor = 'test' AND action LIKE '%_refused' ORDER BY id`)).toEqual([
        { action: 'wallet_rotate_refused' },
        { action: 'wallet_revoke_refused' },
      ]);
    });

    it('still rotates and revokes any other wallet', async () => {
      const rotated = await admin(`/api/v1/admin/wallets/${OTHER}/rotate`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.history).toEqual([expect.objectContaining({ status: 'rotated' })]);

      const revoked = await admin(`/api/v1/admin/wallets/${OTHER}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ wallet_id: OTHER, address: rotated.body.address, status: 'revoked' });
    });

    it('documents the refusal on both routes in OpenAPI', async () => {
      const { body: doc } = await request(server).get('/docs/openapi.json');
      for (const operation of ['rotate', 'revoke']) {
        expect(doc.paths[`/api/v1/admin/wallets/{walletId}/${operation}`].post.responses['409'].description).toContain(
          'SIGNER_WALLET_IN_USE',
        );
      }
    });
  });
});
