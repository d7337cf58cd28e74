import { havenAbi } from '../../src/chain/haven.abi';
import { newAddress } from '../support/chain';
import { eventually } from '../support/eventually';
import { appsBehindFaultProxy, fastStuck, reconcileAll, requests, tokens } from '../support/pipeline-harness';

/** Past the service's 10 s RPC timeout: the client gives up, the node has the transaction. */
const LATE_ANSWER_MS = 11_000;
/** Past the 30 s "not ours" grace an earlier version re-queued after. */
const RECEIPTS_REFUSED_MS = 32_000;

describe('a broadcast answered after the client timed out, with receipts refused meanwhile', () => {
  const start = appsBehindFaultProxy();

  it('mints and burns exactly once: "nonce too low" on the retry is not taken for "not sent"', async () => {
    const { testApp, proxy } = await start({ chain: { blockTime: 1 }, config: fastStuck });
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');

    const late = proxy.inject({ methods: ['eth_sendRawTransaction'], fault: { kind: 'delay', ms: LATE_ANSWER_MS } });
    const refused = proxy.inject({ methods: ['eth_getTransactionReceipt'], fault: { kind: 'status', status: 429 } });
    const refusedSince = Date.now();
    const recipients = [newAddress(), newAddress(), newAddress()];
    const ids = [
      ...(await Promise.all(recipients.map((recipient) => pipeline.mint(recipient, tokens(2))))),
      await pipeline.mint(newAddress(), tokens(3), 'birthday bonus'),
      await pipeline.burn(holder, tokens(4)),
    ];
    // The node took the sends although no answer reached the service in time.
    const { publicClient, contractAddress } = testApp.chain;
    await eventually(
      async () =>
        expect(
          await publicClient.readContract({ address: contractAddress, abi: havenAbi, functionName: 'balanceOf', args: [recipients[0]] }),
        ).toBe(tokens(2)),
      { timeoutMs: 60_000 },
    );
    expect(proxy.faulted().eth_sendRawTransaction).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, RECEIPTS_REFUSED_MS - (Date.now() - refusedSince))));
    expect(await pipeline.statuses(ids)).not.toContain('queued');
    late.clear();
    refused.clear();

    await pipeline.waitFor(ids, 'confirmed', 120_000);
    await reconcileAll(testApp);
  }, 240_000);
});
