import request from 'supertest';
import { type Hex, keccak256, parseGwei, toHex } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { reconcileAll, requests, tokens } from '../support/pipeline-harness';

describe('the contract paused, then unpaused', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  const held = async () => {
    const health = await request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY).expect(200);
    return health.body.monitoring.sending_held.map((hold: { reason: string }) => hold.reason);
  };

  /** A pauser of its own: the backend wallet's nonces belong to the pipeline once requests flow. */
  const newPauser = async () => {
    const { chain } = testApp;
    const pauser = await chain.newWallet();
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.backendWallet.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'grantRole',
        args: [keccak256(toHex('PAUSER_ROLE')), pauser.account.address],
      }),
    });
    const send = (paused: boolean, fees: { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint } = {}) =>
      pauser.writeContract({ address: chain.contractAddress, abi: havenAbi, functionName: paused ? 'pause' : 'unpause', ...fees });
    return {
      send,
      setPaused: async (paused: boolean) => chain.publicClient.waitForTransactionReceipt({ hash: await send(paused) }),
    };
  };

  it('keeps every accepted mint and redemption queued while paused, and confirms them all after, none failed', async () => {
    testApp = await startTestApp();
    const { setPaused } = await newPauser();
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');

    await setPaused(true);
    const ids = [
      await pipeline.mint(),
      await pipeline.mint(),
      await pipeline.mint(newAddress(), tokens(2), 'birthday bonus'),
      await pipeline.burn(holder, tokens(3)),
    ];
    await eventually(async () => expect(await held()).toContain('contract_paused'));
    expect(await pipeline.statuses(ids)).toEqual(ids.map(() => 'queued'));

    await setPaused(false);

    await pipeline.waitFor(ids, 'confirmed', 60_000);
    await eventually(async () => expect(await held()).toEqual([]));
    await reconcileAll(testApp);
  }, 90_000);

  it('queues again, not fails, a send that reverted because a pause was mined before it in the same block', async () => {
    testApp = await startTestApp();
    const { testClient, publicClient } = testApp.chain;
    const pauser = await newPauser();
    const pipeline = requests(testApp);
    await testClient.setAutomine(false);
    const recipient = newAddress();
    const id = await pipeline.mint(recipient, tokens(2));
    const [sent] = await pipeline.waitFor([id], 'submitted');

    // Signed and broadcast before the pause; the pause pays a higher tip and is mined first.
    const pause = await pauser.send(true, { maxFeePerGas: parseGwei('500'), maxPriorityFeePerGas: parseGwei('100') });
    await testClient.mine({ blocks: 1 });
    const [paused, reverted] = await Promise.all([
      publicClient.getTransactionReceipt({ hash: pause }),
      publicClient.getTransactionReceipt({ hash: sent.tx_hash as Hex }),
    ]);
    expect(reverted).toMatchObject({ status: 'reverted', blockNumber: paused.blockNumber });
    expect(reverted.transactionIndex).toBeGreaterThan(paused.transactionIndex);

    // Replayed on the state before that block the call succeeds; after it, EnforcedPause():
    // nothing was the request's fault, and it goes back to the queue once the revert is final.
    await eventually(
      async () => {
        await testClient.mine({ blocks: 1 });
        expect(await pipeline.statuses([id])).toEqual(['queued']);
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );

    await testClient.setAutomine(true);
    await pauser.setPaused(false);
    const [confirmed] = await pipeline.waitFor([id], 'confirmed', 60_000);
    expect(confirmed.tx_hash).not.toBe(sent.tx_hash);
    await reconcileAll(testApp);
  }, 90_000);
});
