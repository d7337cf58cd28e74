import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import Redis from 'ioredis';
import { type Address, type Hex, parseEventLogs, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import type { AppConfig } from '../../src/config';
import { NonceManager } from '../../src/nonce/nonce-manager.service';
import { NonceGapHealer } from '../../src/transactions/pipeline/nonce-gap.healer';
import { TransactionsModule } from '../../src/transactions/transactions.module';
import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_REDIS_URL } from '../support/config';
import { eventually } from '../support/eventually';
import { attemptRows, insertQueuedRequest, requestRows, type StoredRequest } from '../support/factories';

const ONE = parseUnits('1', 18);
/** Pending longer than this (1.2 s) counts as stuck in these tests. */
const FAST_THRESHOLD = (config: AppConfig): AppConfig => ({
  ...config,
  monitoring: { ...config.monitoring, pendingTxThresholdMinutes: 0.02 },
});

describe('known failure modes of today’s relayers', () => {
  let testApp: TestApp;

  afterEach(() => testApp?.close());

  const insert = (address: Address, amount = ONE) =>
    insertQueuedRequest(testApp.database.url, { address, amount, chainId: testApp.chain.chainId });
  const waitFor = (id: string, check: (row: StoredRequest) => boolean, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const [row] = await requestRows(testApp.database.url, [id]);
        if (!check(row)) throw new Error(`request ${id} is ${row.status}`);
        return row;
      },
      { timeoutMs },
    );
  const balanceOf = (address: Address) =>
    testApp.chain.publicClient.readContract({
      address: testApp.chain.contractAddress,
      abi: havenAbi,
      functionName: 'balanceOf',
      args: [address],
    });
  const mintedEventsTo = async (address: Address) =>
    parseEventLogs({
      abi: havenAbi,
      eventName: 'Minted',
      logs: await testApp.chain.publicClient.getLogs({ address: testApp.chain.contractAddress, fromBlock: 0n }),
    }).filter((log) => log.args.to === address);

  it('replaces a transaction pending past the threshold with the same nonce and a higher fee; the replacement’s hash wins', async () => {
    testApp = await startTestApp({ extraModules: [TransactionsModule], config: FAST_THRESHOLD });
    await testApp.chain.testClient.setAutomine(false);
    const recipient = newAddress();
    const id = await insert(recipient);
    const submitted = await waitFor(id, (row) => row.status === 'submitted');

    const attempts = await eventually(async () => {
      const rows = await attemptRows(testApp.database.url, submitted.batch_id!);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      return rows;
    });
    expect(BigInt(attempts[1].max_fee_per_gas)).toBeGreaterThan(BigInt(attempts[0].max_fee_per_gas));
    await testApp.chain.testClient.mine({ blocks: 1 });

    const confirmed = await waitFor(id, (row) => row.status === 'confirmed');
    const final = await attemptRows(testApp.database.url, submitted.batch_id!);
    const mined = final.filter((attempt) => attempt.status === 'mined');
    expect(mined).toHaveLength(1);
    expect(confirmed.tx_hash).toBe(mined[0].tx_hash);
    expect(confirmed.tx_hash).not.toBe(attempts[0].tx_hash);
    expect(final[0].status).toBe('replaced');
    expect(await balanceOf(recipient)).toBe(ONE);
  });

  it('revives a transaction dropped from the mempool', async () => {
    testApp = await startTestApp({ extraModules: [TransactionsModule], config: FAST_THRESHOLD });
    await testApp.chain.testClient.setAutomine(false);
    const recipient = newAddress();
    const id = await insert(recipient);
    const submitted = await waitFor(id, (row) => row.status === 'submitted');
    await testApp.chain.testClient.dropTransaction({ hash: submitted.tx_hash as Hex });

    await eventually(async () => expect((await attemptRows(testApp.database.url, submitted.batch_id!)).length).toBeGreaterThanOrEqual(2));
    await testApp.chain.testClient.mine({ blocks: 1 });

    await waitFor(id, (row) => row.status === 'confirmed');
    expect(await balanceOf(recipient)).toBe(ONE);
  });

  it('sends a transaction exactly once when the RPC times out on submit although the node took it', async () => {
    const proxy = await failingFirstSubmitProxy(() => testApp.chain.rpcUrl);
    testApp = await startTestApp({
      extraModules: [TransactionsModule],
      config: (config) => ({ ...config, chain: { ...config.chain, rpcUrl: proxy.url } }),
    });
    try {
      const recipient = newAddress();
      const id = await insert(recipient);

      const confirmed = await waitFor(id, (row) => row.status === 'confirmed');
      expect(proxy.failedSubmits()).toBe(1);
      expect(confirmed.attempt_count).toBe(1);
      expect(await mintedEventsTo(recipient)).toHaveLength(1);
      expect(await balanceOf(recipient)).toBe(ONE);
    } finally {
      await proxy.close();
    }
  });

  it('heals a nonce reserved by a process that died before storing it, instead of jamming for ever', async () => {
    testApp = await startTestApp({ extraModules: [TransactionsModule] });
    const lost = await testApp.app.get(NonceManager).reserve(testApp.chain.backendAddress);
    const recipient = newAddress();
    const id = await insert(recipient);
    const submitted = await waitFor(id, (row) => row.status === 'submitted');
    expect(BigInt(submitted.nonce!)).toBe(lost + 1n);
    const status = await testApp.app.get(NonceManager).status(testApp.chain.backendAddress);
    expect(status).toMatchObject({ inFlight: [lost + 1n], gaps: [lost] });

    await testApp.app.get(NonceGapHealer).heal({ leaseMs: 50 });

    await waitFor(id, (row) => row.status === 'confirmed');
    expect(await balanceOf(recipient)).toBe(ONE);
  });

  it('recovers by itself from a Redis counter set behind the chain', async () => {
    // Blocks keep coming, as on any live chain: whose transaction took a nonce is only
    // concluded from polls spanning several blocks.
    testApp = await startTestApp({ extraModules: [TransactionsModule], chain: { blockTime: 1 } });
    const first = await insert(newAddress());
    const sent = await waitFor(first, (row) => row.status === 'confirmed');
    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: testApp.config.redis.keyPrefix });
    await redis.set(
      `nonce:{${testApp.chain.chainId}:${testApp.chain.backendAddress.toLowerCase()}}:next`,
      String(BigInt(sent.nonce!) - 3n),
    );
    await redis.quit();

    const recipient = newAddress();
    const id = await insert(recipient);

    await waitFor(id, (row) => row.status === 'confirmed');
    expect(await balanceOf(recipient)).toBe(ONE);
  });

  it('keeps nonces distinct when the nonce state is lost with transactions still pending', async () => {
    testApp = await startTestApp({ extraModules: [TransactionsModule] });
    await testApp.chain.testClient.setAutomine(false);
    const before = [await insert(newAddress()), await insert(newAddress(), 2n * ONE)];
    for (const id of before) await waitFor(id, (row) => row.status === 'submitted');
    await testApp.app.get(NonceManager).reset(testApp.chain.backendAddress);

    const after = await insert(newAddress(), 3n * ONE);
    await waitFor(after, (row) => row.status === 'submitted');
    await testApp.chain.testClient.mine({ blocks: 1 });

    const rows = await Promise.all([...before, after].map((id) => waitFor(id, (row) => row.status === 'confirmed')));
    // Requests packed into one batchMint share a nonce; distinct transactions never do.
    const nonceByHash = new Map(rows.map((row) => [row.tx_hash, row.nonce]));
    expect(new Set(nonceByHash.values()).size).toBe(nonceByHash.size);
    expect(nonceByHash.size).toBeGreaterThanOrEqual(2);
  });
});

/** JSON-RPC proxy to anvil that forwards the first eth_sendRawTransaction, then answers 504 as a timing-out gateway would. */
async function failingFirstSubmitProxy(target: () => string) {
  let failed = 0;
  const server: Server = createServer((request, response) => void answer(request, response));
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const upstream = await fetch(target(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await upstream.text();
    if (failed === 0 && body.includes('eth_sendRawTransaction')) {
      failed++;
      response.writeHead(504).end('gateway timeout');
      return;
    }
    response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failedSubmits: () => failed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
