import type { INestApplication } from '@nestjs/common';
import { type Hex, keccak256, parseEther, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { havenAbi } from '../../src/chain/haven.abi';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { fastStuck, reconcileAll, requests, tokens } from '../support/pipeline-harness';

describe('a restart with a different signer while batches are in flight', () => {
  let testApp: TestApp;
  let restarted: INestApplication | undefined;

  afterEach(async () => {
    await restarted?.close();
    await testApp.chain.stop();
    await testApp.database.drop();
  });

  it('still settles what the old signer sent, re-sends what was dropped, and sends new requests with the new key', async () => {
    testApp = await startTestApp({ config: fastStuck });
    const { chain } = testApp;
    const newKey: Hex = generatePrivateKey();
    const newSigner = privateKeyToAccount(newKey).address;
    await chain.testClient.setBalance({ address: newSigner, value: parseEther('10') });
    for (const role of ['MINTER_ROLE', 'BURNER_ROLE']) {
      await chain.publicClient.waitForTransactionReceipt({
        hash: await chain.backendWallet.writeContract({
          address: chain.contractAddress,
          abi: havenAbi,
          functionName: 'grantRole',
          args: [keccak256(toHex(role)), newSigner],
        }),
      });
    }
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');

    await chain.testClient.setAutomine(false);
    const inFlight = [
      await pipeline.mint(),
      await pipeline.mint(newAddress(), tokens(2), 'birthday bonus'),
      await pipeline.burn(holder, tokens(3)),
    ];
    const sent = await pipeline.waitFor(inFlight, 'submitted');
    // One of them leaves the mempool: only a re-broadcast of the old signer's bytes brings it back.
    await chain.testClient.dropTransaction({ hash: sent[0].tx_hash as Hex });
    await testApp.app.close();

    restarted = await createTestApplication({ ...testApp.config, chain: { ...testApp.config.chain, backendPrivateKey: newKey } });
    const later = [await pipeline.mint(), await pipeline.mint(newAddress(), tokens(4), 'welcome')];
    await chain.testClient.setAutomine(true);
    await chain.testClient.mine({ blocks: 1 });

    const settled = await pipeline.waitFor([...inFlight, ...later], 'confirmed', 60_000);
    const senders = settled.map((row) => (row as unknown as { sender: string }).sender);
    expect(senders.slice(0, inFlight.length)).toEqual(inFlight.map(() => chain.backendAddress.toLowerCase()));
    expect(senders.slice(inFlight.length)).toEqual(later.map(() => newSigner.toLowerCase()));
    await reconcileAll(testApp);
  }, 90_000);
});
