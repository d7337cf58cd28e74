import type { Address, Hex } from 'viem';

import { createHavenPublicClient } from '../../src/chain/chain.clients';
import { type BlockLink, CanonicalChain } from '../../src/transactions/pipeline/canonical-chain';
import { receiptOf, transactionOf } from '../../src/transactions/pipeline/chain-lookup';
import { findNonceTaker } from '../../src/transactions/pipeline/nonce-ownership';
import { startTestChain, type TestChain } from '../support/chain';
import { type RpcFaultProxy, startRpcFaultProxy } from '../support/rpc-fault-proxy';

describe('reading evidence from the chain', () => {
  let chain: TestChain;
  let proxy: RpcFaultProxy;

  beforeAll(async () => {
    chain = await startTestChain();
    proxy = await startRpcFaultProxy(chain.rpcUrl);
  });

  afterAll(async () => {
    await proxy.close();
    await chain.stop();
  });

  afterEach(() => proxy.clearAll());

  const client = () => createHavenPublicClient({ rpcUrl: proxy.url, chainId: chain.chainId });
  const head = async (): Promise<BlockLink> => {
    const block = await chain.publicClient.getBlock({ blockTag: 'latest' });
    return { number: block.number, hash: block.hash, parentHash: block.parentHash };
  };
  /** Zero-value self-transfers from a fresh wallet, one block each. */
  const selfTransfers = async (count: number) => {
    const wallet = await chain.newWallet();
    const sent: Array<{ hash: Hex; nonce: bigint; block: bigint; sender: Address }> = [];
    for (let i = 0; i < count; i++) {
      const hash = await wallet.sendTransaction({ to: wallet.account.address, value: 0n });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      sent.push({ hash, nonce: BigInt(i), block: receipt.blockNumber, sender: wallet.account.address });
    }
    return sent;
  };

  it('tells a null answer from no answer', async () => {
    const [tx] = await selfTransfers(1);
    const unknown = `0x${'ab'.repeat(32)}` as Hex;

    expect((await receiptOf(client(), tx.hash)).state).toBe('found');
    expect((await receiptOf(client(), unknown)).state).toBe('absent');
    expect((await transactionOf(client(), unknown)).state).toBe('absent');
    proxy.inject({ methods: ['eth_getTransactionReceipt', 'eth_getTransactionByHash'], fault: { kind: 'status', status: 429 } });
    expect((await receiptOf(client(), unknown)).state).toBe('failed');
    expect((await transactionOf(client(), unknown)).state).toBe('failed');
  });

  it('names the transaction that took a nonce, and the block it is in', async () => {
    const sent = await selfTransfers(4);
    const { number } = await head();

    for (const tx of sent) {
      expect(await findNonceTaker(client(), tx.sender, tx.nonce, { from: sent[0].block, head: number })).toEqual({
        hash: tx.hash,
        blockNumber: tx.block,
      });
    }
    // Searching from a block after the nonce was taken still finds it.
    expect(await findNonceTaker(client(), sent[0].sender, 0n, { from: number, head: number })).toEqual({
      hash: sent[0].hash,
      blockNumber: sent[0].block,
    });
    expect(await findNonceTaker(client(), sent[0].sender, 4n, { from: sent[0].block, head: number })).toBeNull();
  });

  it('concludes nothing when the node cannot answer', async () => {
    const [tx] = await selfTransfers(1);
    proxy.inject({ methods: ['eth_getBlockByNumber'], fault: { kind: 'rpc-error', code: -32000, message: 'header not found' } });

    await expect(findNonceTaker(client(), tx.sender, 0n, { from: tx.block, head: (await head()).number })).rejects.toThrow();
  });

  it('gives the canonical hashes, and withholds them while the chain read does not link up', async () => {
    await selfTransfers(2);
    const canonical = new CanonicalChain(client());
    const snapshot = await chain.testClient.snapshot();
    await chain.testClient.mine({ blocks: 1 });
    const before = await head();
    const watched = [before.number - 1n, before.number];
    const hashes = await canonical.hashesAt(before, watched);
    expect([hashes.get(before.number), hashes.get(before.number - 1n)]).toEqual([before.hash, before.parentHash]);
    expect(await canonical.hashesAt(before, [before.number + 1n])).toEqual(new Map());

    // A reorg replaces the last block: what was cached no longer links to the new head.
    await chain.testClient.revert({ id: snapshot });
    await chain.testClient.setNextBlockTimestamp({ timestamp: (await chain.publicClient.getBlock()).timestamp + 100n });
    await chain.testClient.mine({ blocks: 2 });
    const after = await head();
    expect(await canonical.hashesAt(after, watched)).toEqual(new Map());

    const reread = await canonical.hashesAt(after, watched);
    expect(reread.get(before.number - 1n)).toBe(hashes.get(before.number - 1n));
    expect(reread.get(before.number)).not.toBe(before.hash);
  });
});
