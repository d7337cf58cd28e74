import request from 'supertest';
import { keccak256, toHex } from 'viem';

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

  it('keeps every accepted mint and redemption queued while paused, and confirms them all after, none failed', async () => {
    testApp = await startTestApp();
    const { chain } = testApp;
    // A pauser of its own: the backend wallet's nonces belong to the pipeline once requests flow.
    const pauser = await chain.newWallet();
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.backendWallet.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'grantRole',
        args: [keccak256(toHex('PAUSER_ROLE')), pauser.account.address],
      }),
    });
    const setPaused = async (paused: boolean) =>
      chain.publicClient.waitForTransactionReceipt({
        hash: await pauser.writeContract({ address: chain.contractAddress, abi: havenAbi, functionName: paused ? 'pause' : 'unpause' }),
      });
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
});
