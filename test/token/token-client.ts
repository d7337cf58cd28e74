import request from 'supertest';
import { type Address, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import type { TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';

export { newAddress };

let keys = 0;
export const nextKey = (): string => `key-${process.pid}-${Date.now()}-${++keys}`;

/**
 * The client API as a partner app calls it, plus the direct database and chain set-up its
 * tests need. Call before any request: it grants a wallet of its own MINTER_ROLE, because the
 * backend wallet's nonces belong to the running pipeline once requests flow.
 */
export async function tokenClient(testApp: TestApp) {
  const { chain } = testApp;
  const funder = await chain.newWallet();
  const minterRole = await chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'MINTER_ROLE' });
  await chain.publicClient.waitForTransactionReceipt({
    hash: await chain.backendWallet.writeContract({
      address: chain.contractAddress,
      abi: havenAbi,
      functionName: 'grantRole',
      args: [minterRole, funder.account.address],
    }),
  });
  const get = (path: string) => request(testApp.server).get(path).set('X-API-Key', TEST_API_KEY);
  const post = (path: string, body: object, key: string | null = nextKey()) => {
    const call = request(testApp.server).post(`/api/v1/token/${path}`).set('X-API-Key', TEST_API_KEY);
    return (key === null ? call : call.set('Idempotency-Key', key)).send(body);
  };
  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(testApp.database.url, async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows);
  return {
    get,
    post,
    sql,
    rowCount: async () => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM transactions'))[0].n,
    mintBody: (overrides: object = {}) => ({ userId: 'guest-1', to: newAddress(), amount: '12.5', reason: 'hotel stay', ...overrides }),
    /** An active custodial wallet row, as the custody module would store one. */
    addCustodialWallet: async (walletId: string, address: Address = newAddress()) => {
      await sql(
        `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_scheme, key_version, status)
         VALUES ($1, $2, 'gAAAA-test', 'fernet', 1, 'active')`,
        [walletId, address.toLowerCase()],
      );
      return address;
    },
    /** Mints straight on chain, bypassing the API, to give a holder a balance. */
    fund: async (holder: Address, tokens: string) => {
      const hash = await funder.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'mint',
        args: [holder, parseUnits(tokens, 18), 'test set-up'],
      });
      await chain.publicClient.waitForTransactionReceipt({ hash });
    },
  };
}
