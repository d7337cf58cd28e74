import { newAddress } from '../support/chain';
import { appsBehindFaultProxy, reconcileAll, requests, tokens } from '../support/pipeline-harness';

describe('gas estimates', () => {
  const start = appsBehindFaultProxy();

  it('estimates mints on the latest block, so the node does not first run its pool; burns on the node’s default', async () => {
    const { testApp, proxy } = await start();
    const pipeline = requests(testApp);
    const holder = newAddress();
    await pipeline.waitFor([await pipeline.mint(holder, tokens(10))], 'confirmed');
    const mintEstimates = proxy.blocksNamed('eth_estimateGas');
    expect(mintEstimates.length).toBeGreaterThan(0);
    expect(new Set(mintEstimates)).toEqual(new Set(['latest']));

    proxy.resetCounts();
    await pipeline.waitFor([await pipeline.burn(holder, tokens(4))], 'confirmed');
    // No block named: the node's own default, which for anvil is the pending block.
    expect(proxy.blocksNamed('eth_estimateGas')).toEqual([null]);
    await reconcileAll(testApp);
  }, 60_000);
});
