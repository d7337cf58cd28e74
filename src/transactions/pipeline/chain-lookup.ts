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
