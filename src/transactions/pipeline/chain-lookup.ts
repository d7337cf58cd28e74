import { type Hex, type Transaction, TransactionNotFoundError, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem';

import type { HavenPublicClient } from '../../chain/chain.clients';

/**
 * What a node said about a transaction. `absent` is a successful answer of `null`; `failed`
 * is no answer at all (timeout, refusal, HTTP error, open breaker) and is never read as
 * absence: only a positive answer settles anything.
 */
export type Lookup<T> = { state: 'found'; value: T } | { state: 'absent' } | { state: 'failed'; error: unknown };

/** viem throws for a `null` result; that one error is the node's answer, every other is not. */
async function lookup<T>(call: () => Promise<T>, notFound: new (...args: never[]) => Error): Promise<Lookup<T>> {
  try {
    return { state: 'found', value: await call() };
  } catch (error) {
    return error instanceof notFound ? { state: 'absent' } : { state: 'failed', error };
  }
}

export const receiptOf = (client: HavenPublicClient, hash: Hex): Promise<Lookup<TransactionReceipt>> =>
  lookup(() => client.getTransactionReceipt({ hash }), TransactionReceiptNotFoundError);

export const transactionOf = (client: HavenPublicClient, hash: Hex): Promise<Lookup<Transaction>> =>
  lookup(() => client.getTransaction({ hash }), TransactionNotFoundError);

/**
 * Receipts asked for in one JSON-RPC batch. A full batchMint's receipt carries one log per
 * mint (~140 kB for 100 mints); a block's worth of them in one batch (14 MB for 100) is above
 * viem's 10 MB response limit, and a refused answer settles nothing, so a confirmer asking
 * for all at once would never settle any of them. 20 stay under 4 MB even with 256-byte reasons.
 */
export const LOOKUPS_PER_CALL = 20;

/** `lookupOne` for every hash, `LOOKUPS_PER_CALL` per round trip, one round trip at a time. */
export async function lookupAll<T>(hashes: readonly Hex[], lookupOne: (hash: Hex) => Promise<Lookup<T>>): Promise<Map<Hex, Lookup<T>>> {
  const found = new Map<Hex, Lookup<T>>();
  for (let start = 0; start < hashes.length; start += LOOKUPS_PER_CALL) {
    const chunk = hashes.slice(start, start + LOOKUPS_PER_CALL);
    const answers = await Promise.all(chunk.map(lookupOne));
    chunk.forEach((hash, i) => found.set(hash, answers[i]));
  }
  return found;
}
