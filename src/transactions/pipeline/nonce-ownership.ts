import type { Address, Hex } from 'viem';

import type { HavenPublicClient } from '../../chain/chain.clients';

export interface NonceTaker {
  hash: Hex;
  blockNumber: bigint;
}

/**
 * Names the transaction that took a wallet's nonce, by finding the block where the wallet's
 * count passed it (a binary search over `eth_getTransactionCount` at block heights, from the
 * block before our first signature) and reading that block's transactions. This is positive
 * evidence either way: the chain shows our hash, or someone else's. `null` if the nonce is not
 * used as of `head`. Any failed call throws: no answer, no conclusion.
 */
export async function findNonceTaker(
  client: HavenPublicClient,
  sender: Address,
  nonce: bigint,
  { from, head }: { from: bigint; head: bigint },
): Promise<NonceTaker | null> {
  const countAt = async (blockNumber: bigint) => BigInt(await client.getTransactionCount({ address: sender, blockNumber }));
  if ((await countAt(head)) <= nonce) return null;
  // Invariant: count(low) <= nonce < count(high). Below block 0 the count is 0.
  let low = from > 0n ? from - 1n : -1n;
  if (low >= 0n && (await countAt(low)) > nonce) low = -1n;
  let high = head;
  while (high - low > 1n) {
    const middle = (low + high) / 2n;
    if ((await countAt(middle)) > nonce) high = middle;
    else low = middle;
  }
  const block = await client.getBlock({ blockNumber: high, includeTransactions: true });
  const taker = block.transactions.find(
    (transaction) => transaction.from.toLowerCase() === sender.toLowerCase() && BigInt(transaction.nonce) === nonce,
  );
  if (taker === undefined) throw new Error(`block ${high} raised the count of ${sender} past ${nonce} without a transaction at that nonce`);
  return { hash: taker.hash, blockNumber: high };
}
