import {
  type Address,
  BaseError,
  BlockNotFoundError,
  createPublicClient,
  type Hash,
  http,
  HttpRequestError,
  parseUnits,
  TimeoutError,
  TransactionReceiptNotFoundError,
} from 'viem';

import { chainFromId } from '../../src/chain/chain.definition';
import { havenAbi } from '../../src/chain/haven.abi';
import { freePort } from '../../src/embedded/anvil.process';
import { newAddress, startTestChain, type TestChain } from '../support/chain';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { insertQueuedRequest } from '../support/factories';
import { expectReconciled, reconcileChain } from '../support/reconcile';
import { type RpcFaultProxy, startRpcFaultProxy } from '../support/rpc-fault-proxy';

const ONE = parseUnits('1', 18);

/** The error a call failed with, so a test can look through viem's wrapping for the cause it expects. */
async function failure(call: Promise<unknown>): Promise<BaseError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof BaseError)) throw new Error(`Expected a viem error, got ${String(error)}`);
  return error;
}

/** Counts of the handles that would keep a jest worker alive. */
function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return { servers: counts.TCPServerWrap ?? 0, sockets: counts.TCPSocketWrap ?? 0, timers: counts.Timeout ?? 0 };
}

describe('test support against a real node', () => {
  let chain: TestChain;

  beforeAll(async () => {
    chain = await startTestChain();
  });
  afterAll(() => chain?.stop());

  /** A viem client as the service builds one (batching), but failing at once: no retries, a short timeout. */
  const clientVia = (url: string, { timeout = 5_000, onHttpRequest = () => {} }: { timeout?: number; onHttpRequest?: () => void } = {}) =>
    createPublicClient({
      chain: chainFromId(chain.chainId, url),
      // No cached block number: every call must reach the proxy.
      cacheTime: 0,
      transport: http(url, { batch: true, retryCount: 0, timeout, onFetchRequest: onHttpRequest }),
    });

  /** A mined ETH self-transfer by the backend, sent straight to the node. */
  async function selfTransfer(): Promise<Hash> {
    const hash = await chain.backendWallet.sendTransaction({ to: chain.backendAddress, value: 1n });
    await chain.publicClient.waitForTransactionReceipt({ hash });
    return hash;
  }

  describe('RPC fault proxy', () => {
    let proxy: RpcFaultProxy;
    let client: ReturnType<typeof clientVia>;
    let minedHash: Hash;

    beforeAll(async () => {
      proxy = await startRpcFaultProxy(() => chain.rpcUrl);
      client = clientVia(proxy.url);
      minedHash = await selfTransfer();
    });
    afterAll(() => proxy?.close());
    beforeEach(() => proxy.resetCounts());
    afterEach(() => proxy.clearAll());

    it('answers a whole request with an HTTP status for the matching method only', async () => {
      proxy.inject({ methods: ['eth_getTransactionReceipt'], fault: { kind: 'status', status: 429 } });

      const error = await failure(client.getTransactionReceipt({ hash: minedHash }));
      expect(error.walk((cause) => cause instanceof HttpRequestError)).toMatchObject({ status: 429 });
      await expect(client.getBlockNumber()).resolves.toBeGreaterThan(0n);
      expect(proxy.calls()).toEqual({ eth_getTransactionReceipt: 1, eth_blockNumber: 1 });
      expect(proxy.faulted()).toEqual({ eth_getTransactionReceipt: 1 });
    });

    it('fails only the matching call of a batch with a JSON-RPC error; the others are answered in the same batch', async () => {
      let httpRequests = 0;
      const counting = clientVia(proxy.url, { onHttpRequest: () => void httpRequests++ });
      proxy.inject({ methods: ['eth_getBalance'], fault: { kind: 'rpc-error' } });

      const [blockNumber, balance, chainId] = await Promise.allSettled([
        counting.getBlockNumber(),
        counting.getBalance({ address: chain.backendAddress }),
        counting.getChainId(),
      ]);

      expect(httpRequests).toBe(1);
      expect(blockNumber).toMatchObject({ status: 'fulfilled', value: expect.any(BigInt) });
      expect(chainId).toEqual({ status: 'fulfilled', value: chain.chainId });
      expect(balance.status).toBe('rejected');
      const reason = (balance as PromiseRejectedResult).reason as BaseError;
      expect(reason.walk((cause) => (cause as { code?: unknown }).code === -32005)).toBeDefined();
      expect(proxy.faulted()).toEqual({ eth_getBalance: 1 });
    });

    it('keeps the client’s ids and order when it merges forwarded and faulted answers', async () => {
      proxy.inject({ methods: ['eth_getBalance'], fault: { kind: 'rpc-error', code: -32016, message: 'over quota' } });
      const response = await fetch(proxy.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { jsonrpc: '2.0', id: 9, method: 'eth_chainId' },
          { jsonrpc: '2.0', id: 'b', method: 'eth_getBalance', params: [chain.backendAddress, 'latest'] },
          { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber' },
        ]),
      });

      expect(await response.json()).toEqual([
        { jsonrpc: '2.0', id: 9, result: `0x${chain.chainId.toString(16)}` },
        { jsonrpc: '2.0', id: 'b', error: { code: -32016, message: 'over quota' } },
        { jsonrpc: '2.0', id: 2, result: expect.stringMatching(/^0x[0-9a-f]+$/) },
      ]);
    });

    it('resets the connection', async () => {
      proxy.inject({ methods: ['eth_chainId'], fault: { kind: 'reset' } });

      expect((await failure(client.getChainId())).walk((cause) => cause instanceof HttpRequestError)).toBeDefined();
      expect(proxy.faulted()).toEqual({ eth_chainId: 1 });
    });

    it('holds a request unanswered until the client times out, and lets go of it when the rule is cleared', async () => {
      const impatient = clientVia(proxy.url, { timeout: 300 });
      const rule = proxy.inject({ methods: ['eth_blockNumber'], fault: { kind: 'timeout' } });

      expect(await failure(impatient.getBlockNumber())).toBeInstanceOf(TimeoutError);
      rule.clear();
      await expect(impatient.getBlockNumber()).resolves.toBeGreaterThan(0n);
    });

    it('forwards a delayed transaction at once: the client times out, yet the transaction lands', async () => {
      const impatient = clientVia(proxy.url, { timeout: 300 });
      const nonce = await chain.publicClient.getTransactionCount({ address: chain.backendAddress });
      const request = await chain.backendWallet.prepareTransactionRequest({ to: chain.backendAddress, value: 1n, nonce });
      const serializedTransaction = await chain.backendWallet.signTransaction(request);
      proxy.inject({ methods: ['eth_sendRawTransaction'], fault: { kind: 'delay', ms: 2_000 } });

      expect(await failure(impatient.sendRawTransaction({ serializedTransaction }))).toBeInstanceOf(TimeoutError);
      await eventually(
        async () => expect(await chain.publicClient.getTransactionCount({ address: chain.backendAddress })).toBe(nonce + 1),
        {
          timeoutMs: 5_000,
          intervalMs: 20,
        },
      );
      expect(proxy.faulted()).toEqual({ eth_sendRawTransaction: 1 });
    });

    it('lags blocks behind: null for a receipt of the last blocks, the real one for an older transaction', async () => {
      const old = await selfTransfer();
      await chain.testClient.mine({ blocks: 2 });
      const recent = await selfTransfer();
      const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
      const mined = await chain.publicClient.getTransactionCount({ address: chain.backendAddress });
      proxy.inject({
        methods: ['eth_getTransactionReceipt', 'eth_blockNumber', 'eth_getBlockByNumber', 'eth_getTransactionCount'],
        fault: { kind: 'lag', blocks: 2 },
      });

      expect(await failure(client.getTransactionReceipt({ hash: recent }))).toBeInstanceOf(TransactionReceiptNotFoundError);
      expect(await client.getTransactionReceipt({ hash: old })).toMatchObject({ transactionHash: old, status: 'success' });
      expect(await client.getBlockNumber()).toBe(head - 2n);
      expect((await client.getBlock()).number).toBe(head - 2n);
      expect(await failure(client.getBlock({ blockNumber: head }))).toBeInstanceOf(BlockNotFoundError);
      // The lagging node has not seen the recent self-transfer: one nonce fewer is mined.
      expect(await client.getTransactionCount({ address: chain.backendAddress })).toBe(mined - 1);
    });

    it('lags in time: a receipt appears only `ms` after the proxy first saw it mined', async () => {
      const hash = await selfTransfer();
      proxy.inject({ methods: ['eth_getTransactionReceipt'], fault: { kind: 'lag', ms: 300 } });
      const asked = Date.now();

      expect(await failure(client.getTransactionReceipt({ hash }))).toBeInstanceOf(TransactionReceiptNotFoundError);
      await eventually(() => client.getTransactionReceipt({ hash }), { timeoutMs: 5_000, intervalMs: 25 });
      expect(Date.now() - asked).toBeGreaterThanOrEqual(300);
    });

    it('applies a rule to its first `times` requests only', async () => {
      proxy.inject({ methods: '*', fault: { kind: 'status', status: 503 }, times: 2 });

      for (let attempt = 1; attempt <= 2; attempt++)
        expect((await failure(client.getBlockNumber())).walk((cause) => cause instanceof HttpRequestError)).toMatchObject({ status: 503 });
      await expect(client.getBlockNumber()).resolves.toBeGreaterThan(0n);
      expect(proxy.calls()).toEqual({ eth_blockNumber: 3 });
      expect(proxy.faulted()).toEqual({ eth_blockNumber: 2 });
    });

    it('drops the connection when the node cannot be reached', async () => {
      const orphan = await startRpcFaultProxy(`http://127.0.0.1:${await freePort()}`);
      try {
        expect((await failure(clientVia(orphan.url).getBlockNumber())).walk((cause) => cause instanceof HttpRequestError)).toBeDefined();
        expect(orphan.calls()).toEqual({ eth_blockNumber: 1 });
      } finally {
        await orphan.close();
      }
    });

    it('closes held and delayed requests with itself, leaving no handle open', async () => {
      const before = openHandles();
      const spare = await startRpcFaultProxy(chain.rpcUrl);
      const patient = clientVia(spare.url, { timeout: 30_000 });
      spare.inject({ methods: ['eth_blockNumber'], fault: { kind: 'timeout' } });
      spare.inject({ methods: ['eth_chainId'], fault: { kind: 'delay', ms: 60_000 } });
      const held = failure(patient.getBlockNumber());
      await eventually(() => expect(spare.calls().eth_blockNumber).toBe(1), { intervalMs: 10 });
      const late = failure(patient.getChainId());
      await eventually(() => expect(spare.calls().eth_chainId).toBe(1), { intervalMs: 10 });

      await spare.close();

      for (const error of await Promise.all([held, late])) expect(error.walk((cause) => cause instanceof HttpRequestError)).toBeDefined();
      await eventually(
        () => {
          const after = openHandles();
          expect(after.servers).toBeLessThanOrEqual(before.servers);
          expect(after.sockets).toBeLessThanOrEqual(before.sockets);
          expect(after.timers).toBeLessThanOrEqual(before.timers);
        },
        { timeoutMs: 2_000, intervalMs: 10 },
      );
    });
  });

  describe('reconcileChain', () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database?.drop());

    async function mint(to: Address, amount: bigint): Promise<Hash> {
      const hash = await chain.backendWallet.writeContract({
        address: chain.contractAddress,
        abi: havenAbi,
        functionName: 'mint',
        args: [to, amount, 'test reward'],
      });
      await chain.publicClient.waitForTransactionReceipt({ hash });
      return hash;
    }
    /** A request row as the pipeline leaves it once its mint is confirmed in `txHash`. */
    async function confirmedRequest(address: Address, amount: bigint, txHash: Hash): Promise<string> {
      const id = await insertQueuedRequest(database.url, { address, amount, chainId: chain.chainId });
      await withClient(database.url, (client) =>
        client.query(`UPDATE transactions SET status = 'confirmed', tx_hash = $2 WHERE id = $1`, [id, txHash]),
      );
      return id;
    }

    it('agrees when each mint is a confirmed request, and reports a third, unrecorded mint as a double mint', async () => {
      const recipient = newAddress();
      await mint(newAddress(), 5n); // set-up, not through requests: external
      const ids = [
        await confirmedRequest(recipient, ONE, await mint(recipient, ONE)),
        await confirmedRequest(recipient, 2n * ONE, await mint(recipient, 2n * ONE)),
      ];

      const agreed = await expectReconciled({ chain, databaseUrl: database.url, requestIds: ids });
      expect(agreed).toMatchObject({ totalSupply: 3n * ONE + 5n, mintedByRequests: 3n * ONE, external: { minted: 5n, burned: 0n } });

      await mint(recipient, ONE);
      const { problems } = await reconcileChain({ chain, databaseUrl: database.url, requestIds: ids });
      expect(problems).toEqual([
        `mint ${recipient.toLowerCase()}: 3 Minted event(s) totalling ${4n * ONE} on chain, 2 confirmed request(s) totalling ${3n * ONE}`,
      ]);
    });

    it('reports a request that never settled as lost', async () => {
      const id = await insertQueuedRequest(database.url, { address: newAddress(), amount: ONE, chainId: chain.chainId });

      const { problems } = await reconcileChain({ chain, databaseUrl: database.url, requestIds: [id] });
      expect(problems).toEqual([`lost/unsettled: ${id} is queued`]);
    });
  });
});
