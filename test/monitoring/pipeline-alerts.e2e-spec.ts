import { type Hex, keccak256, parseEther, toHex } from 'viem';

import type { BackendWalletClient } from '../../src/chain/chain.clients';
import { havenAbi } from '../../src/chain/haven.abi';
import { startTestApp, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { behindFaultProxy, faultProxyForLater, requests } from '../support/pipeline-harness';
import type { RpcFaultProxy } from '../support/rpc-fault-proxy';
import { alertsOf, waitForAlerts } from './monitor-support';

describe('alerts raised by the send pipeline', () => {
  let testApp: TestApp;
  let proxy: RpcFaultProxy & { setUpstream(url: string): void };
  let pauser: BackendWalletClient;

  beforeAll(async () => {
    proxy = await faultProxyForLater();
    testApp = await startTestApp({ config: behindFaultProxy(proxy) });
    const { chain } = testApp;
    // A pauser of its own: the backend wallet's nonces belong to the pipeline once requests flow.
    pauser = await chain.newWallet();
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.backendWallet.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'grantRole',
        args: [keccak256(toHex('PAUSER_ROLE')), pauser.account.address],
      }),
    });
  });

  afterAll(async () => {
    await testApp?.close();
    await proxy?.close();
  });

  it('raises transaction_rejected when the node refuses a fresh send for good, and the request fails', async () => {
    const pipeline = requests(testApp);
    proxy.inject({
      methods: ['eth_sendRawTransaction'],
      fault: { kind: 'rpc-error', code: -32000, message: 'intrinsic gas too low' },
      times: 1,
    });

    const id = await pipeline.mint();
    await pipeline.waitFor([id], 'failed');

    const [rejected] = await waitForAlerts(testApp.database.url, 'transaction_rejected', (rows) => expect(rows).toHaveLength(1));
    expect(rejected).toMatchObject({ severity: 'error', status: 'open', dedup_key: `transaction_rejected:${id}` });
    expect(rejected.data).toMatchObject({ batch_id: id, nonce: expect.any(String) });
  });

  it('resolves the pipeline_held alert of a paused contract once it is unpaused', async () => {
    const { chain } = testApp;
    const setPaused = async (paused: boolean) =>
      chain.publicClient.waitForTransactionReceipt({
        hash: await pauser.writeContract({ address: chain.contractAddress, abi: havenAbi, functionName: paused ? 'pause' : 'unpause' }),
      });
    const pipeline = requests(testApp);
    await setPaused(true);
    const id = await pipeline.mint();
    await waitForAlerts(testApp.database.url, 'pipeline_held', (rows) =>
      expect(rows).toMatchObject([{ status: 'open', dedup_key: 'pipeline_held:contract_paused' }]),
    );

    await setPaused(false);

    await pipeline.waitFor([id], 'confirmed');
    await waitForAlerts(testApp.database.url, 'pipeline_held', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'pipeline' }]),
    );
  });

  it('raises hot_wallet_insufficient_funds (critical) when the hot wallet cannot pay for gas, and resolves it once a send goes through', async () => {
    const { testClient, backendAddress } = testApp.chain;
    const pipeline = requests(testApp);
    await testClient.setBalance({ address: backendAddress, value: 0n });

    const id = await pipeline.mint();
    const [short] = await waitForAlerts(testApp.database.url, 'hot_wallet_insufficient_funds', (rows) => expect(rows).toHaveLength(1));
    expect(short).toMatchObject({ severity: 'critical', status: 'open', dedup_key: `hot_wallet_insufficient_funds:${backendAddress}` });
    expect(await pipeline.statuses([id])).toEqual(['signed']);

    await testClient.setBalance({ address: backendAddress, value: parseEther('100') });

    await pipeline.waitFor([id], 'confirmed', 30_000);
    await waitForAlerts(testApp.database.url, 'hot_wallet_insufficient_funds', (rows) =>
      expect(rows).toMatchObject([{ status: 'resolved', resolved_by: 'pipeline' }]),
    );
  }, 45_000);

  it('raises chain_reorg (warning) when a block holding our transactions leaves the chain', async () => {
    const { testClient } = testApp.chain;
    const pipeline = requests(testApp);
    const snapshot = await testClient.snapshot();
    const id = await pipeline.mint();
    await pipeline.waitFor([id], 'confirmed');

    await testClient.revert({ id: snapshot });
    await testClient.mine({ blocks: 3 });

    const [reorg] = await waitForAlerts(testApp.database.url, 'chain_reorg', (rows) => expect(rows).toHaveLength(1));
    expect(reorg).toMatchObject({ severity: 'warning', status: 'open' });
    expect(reorg.data).toMatchObject({ batches: [id] });
    await pipeline.waitFor([id], 'confirmed');
  });

  it('raises nonce_taken_by_foreign_transaction (critical) when another transaction from the wallet takes a nonce of ours', async () => {
    const { testClient, backendWallet, backendAddress } = testApp.chain;
    const pipeline = requests(testApp);
    await testClient.setAutomine(false);
    const id = await pipeline.mint();
    const [sent] = await pipeline.waitFor([id], 'submitted');
    // Ours leaves the mempool; something else signing with the key takes its nonce.
    await testClient.dropTransaction({ hash: sent.tx_hash as Hex });
    await backendWallet.sendTransaction({ to: backendAddress, value: 0n, nonce: Number(sent.nonce) });

    // Blocks keep coming: the confirmer concludes only from polls at several heads.
    const [taken] = await eventually(
      async () => {
        await testClient.mine({ blocks: 1 });
        const rows = await alertsOf(testApp.database.url, 'nonce_taken_by_foreign_transaction');
        expect(rows).toHaveLength(1);
        return rows;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(taken).toMatchObject({
      severity: 'critical',
      status: 'open',
      dedup_key: `nonce_taken_by_foreign_transaction:${backendAddress}:${sent.nonce}`,
    });
    expect(taken.data).toMatchObject({ nonce: sent.nonce, requeued: 1 });

    await testClient.setAutomine(true);
    await eventually(async () => {
      await testClient.mine({ blocks: 1 });
      expect(await pipeline.statuses([id])).toEqual(['confirmed']);
    });
  });
});
