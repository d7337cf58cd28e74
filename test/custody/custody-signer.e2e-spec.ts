import type { Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { type Address, parseEther, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_ADMIN_API_KEY, TEST_API_KEY, TEST_FERNET_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { recordCreatedKeys } from '../support/log-capture';
import { openFernetRow } from '../support/python-custody';

/**
 * The pipeline signing with a custody wallet instead of BACKEND_PRIVATE_KEY: the minter's
 * key exists only sealed in `wallet_custody`.
 */
describe('the pipeline signing with a custody wallet', () => {
  let setup: TestApp;
  let custodySigned: INestApplication;

  afterAll(async () => {
    await custodySigned?.close();
    await setup?.close();
  });

  it('mints with the custody key, auditing each opening of it', async () => {
    setup = await startTestApp();
    const { chain } = setup;
    const created = await request(setup.server)
      .post('/api/v1/admin/wallets')
      .set('X-API-Key', TEST_ADMIN_API_KEY)
      .send({ walletId: 'hot-wallet' });
    const signer = created.body.address as Address;
    // The operator's part: give the custody wallet gas and the minter role.
    await chain.testClient.setBalance({ address: signer, value: parseEther('10') });
    const minterRole = await chain.publicClient.readContract({
      address: chain.contractAddress,
      abi: havenAbi,
      functionName: 'MINTER_ROLE',
    });
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.backendWallet.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'grantRole',
        args: [minterRole, signer],
      }),
    });
    // Only one pipeline may run on this database: the set-up instance stops sending first.
    await setup.app.close();
    custodySigned = await createTestApplication({
      ...setup.config,
      chain: { ...setup.config.chain, backendPrivateKey: undefined, signerWalletId: 'hot-wallet' },
    });
    await custodySigned.listen(0, '127.0.0.1');

    const holder = newAddress();
    const accepted = await request(custodySigned.getHttpServer() as Server)
      .post('/api/v1/token/mint')
      .set('X-API-Key', TEST_API_KEY)
      .set('Idempotency-Key', 'custody-signed-1')
      .send({ userId: 'guest-9', to: holder, amount: '3', reason: 'custody signer' });
    expect(accepted.status).toBe(202);

    const row = await eventually(
      async () => {
        const [stored] = await withClient(
          setup.database.url,
          async (client) =>
            (
              await client.query<{ status: string; tx_hash: string; sender: string }>(
                `SELECT status, tx_hash, sender FROM transactions WHERE id = $1`,
                [accepted.body.txId],
              )
            ).rows,
        );
        expect(stored.status).toBe('confirmed');
        return stored;
      },
      { timeoutMs: 30_000 },
    );
    const transaction = await chain.publicClient.getTransaction({ hash: row.tx_hash as `0x${string}` });
    expect(transaction.from.toLowerCase()).toBe(signer.toLowerCase());
    expect(row.sender).toBe(signer.toLowerCase());
    expect(
      await chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'balanceOf', args: [holder] }),
    ).toBe(parseUnits('3', 18));
    const accesses = await withClient(
      setup.database.url,
      async (client) =>
        (
          await client.query(
            `SELECT actor, severity, details->>'purpose' AS purpose FROM wallet_audit_logs WHERE wallet_id = 'hot-wallet' AND action = 'private_key_decrypted'`,
          )
        ).rows,
    );
    expect(accesses).toContainEqual({ actor: 'pipeline', severity: 'HIGH', purpose: 'sign 1 transaction(s)' });
    const [sealed] = await withClient(
      setup.database.url,
      async (client) =>
        (await client.query<{ token: string }>(`SELECT encrypted_private_key AS token FROM wallet_custody WHERE wallet_id = 'hot-wallet'`))
          .rows,
    );
    recordCreatedKeys([openFernetRow(sealed.token, [TEST_FERNET_KEY])]);
  });
});
