import { type Address, parseEventLogs, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { TransactionsModule } from '../../src/transactions/transactions.module';
import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { eventually } from '../support/eventually';
import { attemptRows, insertQueuedRequest, requestRows } from '../support/factories';

const tokens = (amount: string) => parseUnits(amount, 18);

describe('transaction pipeline (automine)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ extraModules: [TransactionsModule] });
  });

  afterAll(() => testApp.close());

  const balanceOf = (address: Address) =>
    testApp.chain.publicClient.readContract({
      address: testApp.chain.contractAddress,
      abi: havenAbi,
      functionName: 'balanceOf',
      args: [address],
    });

  const allConfirmed = (ids: string[]) =>
    eventually(async () => {
      const rows = await requestRows(testApp.database.url, ids);
      expect(rows.map((row) => row.status)).toEqual(ids.map(() => 'confirmed'));
      return rows;
    });

  it('mints queued requests on chain, packing same-reason mints into one batchMint', async () => {
    const recipients = [newAddress(), newAddress(), newAddress()];
    const ids = [];
    for (const [i, address] of recipients.entries()) {
      ids.push(await insertQueuedRequest(testApp.database.url, { address, amount: tokens(String(i + 1)), chainId: testApp.chain.chainId }));
    }

    const rows = await allConfirmed(ids);

    expect(await Promise.all(recipients.map(balanceOf))).toEqual([tokens('1'), tokens('2'), tokens('3')]);
    for (const row of rows) expect(row).toMatchObject({ block_number: expect.any(String), gas_used: expect.any(String), error_code: null });
    // Inserted one by one, they may be claimed together or apart; either way each on-chain
    // transaction is recorded once, with the signed bytes, before it was broadcast.
    const hashes = new Set(rows.map((row) => row.tx_hash));
    for (const hash of hashes) {
      const batch = rows.find((row) => row.tx_hash === hash)!.batch_id!;
      expect((await attemptRows(testApp.database.url, batch)).map((a) => [a.status, a.purpose])).toEqual([['mined', 'send']]);
    }
  });

  it('burns a redemption with burnFrom, and records a reverting one as failed with its reason', async () => {
    const holder = newAddress();
    const [mint] = [
      await insertQueuedRequest(testApp.database.url, { address: holder, amount: tokens('5'), chainId: testApp.chain.chainId }),
    ];
    await allConfirmed([mint]);

    const burn = await insertQueuedRequest(testApp.database.url, {
      kind: 'burn',
      address: holder,
      amount: tokens('2'),
      chainId: testApp.chain.chainId,
    });
    const [burned] = await allConfirmed([burn]);
    const receipt = await testApp.chain.publicClient.getTransactionReceipt({ hash: burned.tx_hash as `0x${string}` });
    expect(parseEventLogs({ abi: havenAbi, logs: receipt.logs, eventName: 'Burned' })[0].args).toMatchObject({
      from: holder,
      amount: tokens('2'),
    });
    expect(await balanceOf(holder)).toBe(tokens('3'));

    const tooMuch = await insertQueuedRequest(testApp.database.url, {
      kind: 'burn',
      address: holder,
      amount: tokens('4'),
      chainId: testApp.chain.chainId,
    });
    const [failed] = await eventually(async () => {
      const rows = await requestRows(testApp.database.url, [tooMuch]);
      expect(rows[0].status).toBe('failed');
      return rows;
    });
    expect(failed.error_code).toBe('TRANSACTION_REVERTED');
    expect(failed.error_message).toMatch(/ERC20InsufficientBalance/);
    expect(await balanceOf(holder)).toBe(tokens('3'));
  });
});
