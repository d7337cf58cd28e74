import { randomUUID } from 'node:crypto';

import { type Address, formatUnits, parseEventLogs, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { newAddress, startTestChain, type TestChain } from '../support/chain';
import { TEST_API_KEY } from '../support/config';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { type ServiceInstance, type SharedServices, startInstance } from '../support/service-instances';

interface Accepted {
  txId: string;
  to: Address;
  amount: bigint;
}

/** Service processes sharing one PostgreSQL, Redis and anvil, as a production deployment would. */
describe('the pipeline at scale, across instances and crashes', () => {
  let chain: TestChain;
  let database: TestDatabase;
  let shared: SharedServices;
  const instances: ServiceInstance[] = [];

  beforeEach(async () => {
    [chain, database] = await Promise.all([startTestChain({ blockTime: 1 }), createTestDatabase()]);
    shared = { databaseUrl: database.url, chain, redisKeyPrefix: `haven-test:${randomUUID()}:` };
  });

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.stop()));
    await Promise.all([chain.stop(), database.drop()]);
  });

  async function requestMints(urls: string[], count: number): Promise<Accepted[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const to = newAddress();
        const amount = parseUnits(String(i + 1), 18);
        const response = await fetch(`${urls[i % urls.length]}/api/v1/token/mint`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, 'idempotency-key': `scale-${i}-${to}` },
          body: JSON.stringify({ userId: `user-${i}`, to, amount: formatUnits(amount, 18), reason: 'stay reward' }),
        });
        expect(response.status).toBe(202);
        const body = (await response.json()) as { txId: string };
        return { txId: body.txId, to, amount };
      }),
    );
  }

  const statuses = () =>
    withClient(
      database.url,
      async (client) =>
        (await client.query<{ status: string; count: number }>(`SELECT status, count(*)::int AS count FROM transactions GROUP BY status`))
          .rows,
    );

  async function waitAllConfirmed(count: number, timeoutMs: number): Promise<void> {
    await eventually(
      async () => {
        const rows = await statuses();
        expect(rows).toEqual([{ status: 'confirmed', count }]);
      },
      { timeoutMs, intervalMs: 500 },
    );
  }

  const mintedEvents = async () =>
    parseEventLogs({
      abi: havenAbi,
      eventName: 'Minted',
      logs: await chain.publicClient.getLogs({ address: chain.contractAddress, fromBlock: 0n }),
    });

  /** The backend wallet's mined transactions from `fromNonce` on, by nonce: where each went and with how much ETH. */
  async function backendTransactionsByNonce(fromNonce: bigint): Promise<Map<bigint, { to: string | null; value: bigint }>> {
    const head = await chain.publicClient.getBlockNumber();
    const blocks = await Promise.all(
      Array.from({ length: Number(head) + 1 }, (_, i) =>
        chain.publicClient.getBlock({ blockNumber: BigInt(i), includeTransactions: true }),
      ),
    );
    const sent = new Map<bigint, { to: string | null; value: bigint }>();
    for (const transaction of blocks.flatMap((block) => block.transactions)) {
      if (transaction.from.toLowerCase() !== chain.backendAddress.toLowerCase() || BigInt(transaction.nonce) < fromNonce) continue;
      expect(sent.has(BigInt(transaction.nonce))).toBe(false);
      sent.set(BigInt(transaction.nonce), { to: transaction.to?.toLowerCase() ?? null, value: transaction.value });
    }
    return sent;
  }

  it('confirms 500 concurrent mint requests sent to two instances, with contiguous unique nonces', async () => {
    const firstNonce = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
    instances.push(...(await Promise.all([startInstance(shared), startInstance(shared)])));

    const accepted = await requestMints(
      instances.map((instance) => instance.url),
      500,
    );
    await waitAllConfirmed(500, 240_000);

    const balances = await Promise.all(
      accepted.map(({ to }) =>
        chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'balanceOf', args: [to] }),
      ),
    );
    expect(balances).toEqual(accepted.map(({ amount }) => amount));
    const stored = await withClient(database.url, async (client) =>
      (await client.query<{ nonce: string }>(`SELECT DISTINCT nonce FROM transactions`)).rows.map((row) => BigInt(row.nonce)),
    );
    // Every nonce from the first free one up is used exactly once: by a stored transaction, or,
    // where a sender gave its reservation up (a store slower than the nonce lease on a busy
    // machine), by the healer's zero-value self-transfer. No hole, no nonce used twice.
    const sent = await backendTransactionsByNonce(firstNonce);
    const lastNonce = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'latest' })) - 1n;
    expect([...sent.keys()].sort((a, b) => (a < b ? -1 : 1))).toEqual(
      Array.from({ length: Number(lastNonce - firstNonce + 1n) }, (_, i) => firstNonce + BigInt(i)),
    );
    expect(new Set(stored).size).toBe(stored.length);
    for (const nonce of stored) expect(sent.has(nonce)).toBe(true);
    const fillers = [...sent.entries()].filter(([nonce]) => !stored.includes(nonce));
    for (const [, transaction] of fillers) expect(transaction).toEqual({ to: chain.backendAddress.toLowerCase(), value: 0n });
    expect(await mintedEvents()).toHaveLength(500);
  }, 300_000);

  it('confirms every accepted request exactly once after an instance is killed with SIGKILL mid-run and restarted', async () => {
    // Unbatched, so the run is 200 transactions in flight rather than two batchMints.
    const first = await startInstance(shared, { BATCH_MINT_MAX_SIZE: '1' });
    instances.push(first);
    const accepted = await requestMints([first.url], 200);
    const atKill = await eventually(
      async () => {
        const rows = await statuses();
        const inFlight = rows.filter((row) => row.status === 'signed' || row.status === 'submitted').reduce((n, row) => n + row.count, 0);
        expect(inFlight).toBeGreaterThan(0);
        return rows;
      },
      { intervalMs: 20 },
    );

    first.process.child.kill('SIGKILL');
    await first.process.exited;
    expect(atKill.find((row) => row.status === 'confirmed')?.count ?? 0).toBeLessThan(200);
    instances.push(await startInstance(shared, { BATCH_MINT_MAX_SIZE: '1' }));
    await waitAllConfirmed(200, 180_000);

    const events = await mintedEvents();
    expect(events).toHaveLength(accepted.length);
    const mintedTo = new Map(events.map((event) => [event.args.to, event.args.amount]));
    for (const { to, amount } of accepted) expect(mintedTo.get(to)).toBe(amount);
  }, 300_000);
});
