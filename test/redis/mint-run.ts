import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type Address, formatUnits, parseEventLogs, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { newAddress, type TestChain } from '../support/chain';
import { TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';

/** A mint the service answered 202 to: it owes exactly one on-chain mint of `amount` to `to`. */
export interface AcceptedMint {
  txId: string;
  to: Address;
  amount: bigint;
}

export const baseUrl = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** `count` concurrent mint requests, spread over `urls`; every one must be accepted. */
export async function requestMints(urls: string[], count: number, run: string): Promise<AcceptedMint[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const to = newAddress();
      const amount = parseUnits(String(i + 1), 18);
      const response = await fetch(`${urls[i % urls.length]}/api/v1/token/mint`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, 'idempotency-key': `${run}-${i}-${to}` },
        body: JSON.stringify({ userId: `user-${i}`, to, amount: formatUnits(amount, 18), reason: 'stay reward' }),
      });
      expect(response.status).toBe(202);
      return { txId: ((await response.json()) as { txId: string }).txId, to, amount };
    }),
  );
}

export const statusCounts = (databaseUrl: string) =>
  withClient(
    databaseUrl,
    async (client) =>
      (await client.query<{ status: string; count: number }>(`SELECT status, count(*)::int AS count FROM transactions GROUP BY status`))
        .rows,
  );

export async function waitAllConfirmed(databaseUrl: string, count: number, timeoutMs: number): Promise<void> {
  await eventually(async () => expect(await statusCounts(databaseUrl)).toEqual([{ status: 'confirmed', count }]), {
    timeoutMs,
    intervalMs: 500,
  });
}

export const totalSupply = (chain: TestChain): Promise<bigint> =>
  chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'totalSupply' });

/**
 * Reconciles a run against the chain: one Minted event per accepted request with its
 * amount, the supply grown by exactly their sum, every stored nonce distinct and mined, and
 * the backend wallet's nonces from `firstNonce` on contiguous (a nonce the sender gave up is
 * filled by the healer's zero-value self-transfer, never by a second mint).
 */
export async function expectMintedExactlyOnce(
  chain: TestChain,
  databaseUrl: string,
  accepted: AcceptedMint[],
  { firstNonce, supplyBefore }: { firstNonce: bigint; supplyBefore: bigint },
): Promise<void> {
  const events = parseEventLogs({
    abi: havenAbi,
    eventName: 'Minted',
    logs: await chain.publicClient.getLogs({ address: chain.contractAddress, fromBlock: 0n }),
  });
  expect(events).toHaveLength(accepted.length);
  const mintedTo = new Map(events.map((event) => [event.args.to.toLowerCase(), event.args.amount]));
  for (const { to, amount } of accepted) expect(mintedTo.get(to.toLowerCase())).toBe(amount);
  expect(await totalSupply(chain)).toBe(supplyBefore + accepted.reduce((sum, { amount }) => sum + amount, 0n));

  const stored = await withClient(databaseUrl, async (client) =>
    (await client.query<{ nonce: string }>(`SELECT nonce FROM transactions`)).rows.map((row) => BigInt(row.nonce)),
  );
  expect(new Set(stored.map(String)).size).toBe(stored.length);

  const head = await chain.publicClient.getBlockNumber();
  const blocks = await Promise.all(
    Array.from({ length: Number(head) + 1 }, (_, i) => chain.publicClient.getBlock({ blockNumber: BigInt(i), includeTransactions: true })),
  );
  const sent = new Map<bigint, { to: string | null; value: bigint }>();
  for (const transaction of blocks.flatMap((block) => block.transactions)) {
    if (transaction.from.toLowerCase() !== chain.backendAddress.toLowerCase() || BigInt(transaction.nonce) < firstNonce) continue;
    sent.set(BigInt(transaction.nonce), { to: transaction.to?.toLowerCase() ?? null, value: transaction.value });
  }
  const lastNonce = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'latest' })) - 1n;
  expect([...sent.keys()].sort((a, b) => (a < b ? -1 : 1))).toEqual(
    Array.from({ length: Number(lastNonce - firstNonce + 1n) }, (_, i) => firstNonce + BigInt(i)),
  );
  for (const nonce of stored) expect(sent.has(nonce)).toBe(true);
  const storedSet = new Set(stored.map(String));
  for (const [nonce, transaction] of sent) {
    if (!storedSet.has(nonce.toString())) expect(transaction).toEqual({ to: chain.backendAddress.toLowerCase(), value: 0n });
  }
}
