import { type Hex, type Transaction, TransactionNotFoundError, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem';

import { type HavenPublicClient, LOOKUP_BATCH_SIZE } from '../../chain/chain.clients';
import type { StoredAttempt, UnfinishedBatch } from './pipeline.records';

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
 * Lookups in flight at once: on the lookup client (`LOOKUP_CLIENT`) that is four JSON-RPC
 * batches of LOOKUP_BATCH_SIZE sent together, at most ~11 MB of full batchMint receipts (the
 * confirmer holds two such groups at most: one being recorded, the next on its way). One
 * batch at a time left a node that serves each batch slowly while it builds blocks (anvil
 * under load: ~0.8 s per 20 receipts) confirming blocks in bursts, up to 11 s late.
 */
export const LOOKUPS_IN_FLIGHT = LOOKUP_BATCH_SIZE * 4;

/** `lookupOne` for every hash, `LOOKUPS_IN_FLIGHT` at a time. */
export async function lookupAll<T>(hashes: readonly Hex[], lookupOne: (hash: Hex) => Promise<Lookup<T>>): Promise<Map<Hex, Lookup<T>>> {
  const found = new Map<Hex, Lookup<T>>();
  for (let start = 0; start < hashes.length; start += LOOKUPS_IN_FLIGHT) {
    const chunk = hashes.slice(start, start + LOOKUPS_IN_FLIGHT);
    const answers = await Promise.all(chunk.map(lookupOne));
    chunk.forEach((hash, i) => found.set(hash, answers[i]));
  }
  return found;
}

/** Some of a wallet's unfinished batches, with every attempt of each. */
export interface LookupGroup {
  batches: UnfinishedBatch[];
  attempts: StoredAttempt[];
}

/**
 * The batches, in their order, cut into groups of at most LOOKUPS_IN_FLIGHT attempts: one
 * group's lookups go out together. A batch is never split (it is settled from all of its
 * attempts' answers at once), so a batch with more attempts than that is a group of its own.
 */
export function lookupGroups(batches: readonly UnfinishedBatch[], attempts: readonly StoredAttempt[]): LookupGroup[] {
  const attemptsOf = new Map<string, StoredAttempt[]>();
  for (const attempt of attempts) {
    const own = attemptsOf.get(attempt.batchId);
    if (own === undefined) attemptsOf.set(attempt.batchId, [attempt]);
    else own.push(attempt);
  }
  const groups: LookupGroup[] = [];
  let current: LookupGroup = { batches: [], attempts: [] };
  for (const batch of batches) {
    const own = attemptsOf.get(batch.batchId) ?? [];
    if (current.batches.length > 0 && current.attempts.length + own.length > LOOKUPS_IN_FLIGHT) {
      groups.push(current);
      current = { batches: [], attempts: [] };
    }
    current.batches.push(batch);
    current.attempts.push(...own);
  }
  groups.push(current);
  return groups;
}
