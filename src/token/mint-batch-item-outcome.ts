import type { Address } from 'viem';

import { AppError } from '../errors/app.error';
import type { Transaction } from '../transactions/transaction.entity';
import type { MintCandidate } from './mint-batch-item';
import { requestHash } from './request-identity';
import { DuplicateKeyInBatchError, DuplicateTransactionError } from './token.errors';

/** What became of one item: stored by this call, found stored under its key, or refused. */
export type ItemOutcome = { outcome: 'created' | 'existing'; row: Transaction } | { outcome: 'rejected'; error: AppError };

/** An item that passed the checks needing no database, on its way through the others. */
export interface BatchItem {
  index: number;
  key: string;
  candidate: MintCandidate;
  /** Where it mints to, once known (given, stored with its key, or the user's custodial wallet). */
  address?: Address;
  /** Its request hash, once the address is known. */
  hash?: string;
  /** Its place in the batch's reservation of the daily allowance. */
  reservation?: number;
}

/**
 * A later item reusing the key of an earlier one in the same batch: the first use decides.
 * The same request again answers as the first did (its transaction, or its refusal); another
 * request under that key is refused DUPLICATE_TRANSACTION, as it would be on the single route.
 */
export function repeatOutcome(
  later: BatchItem & { firstIndex: number },
  first: BatchItem | undefined,
  firstOutcome: ItemOutcome,
): ItemOutcome {
  const same = first !== undefined && isSameRequest(later.candidate, first);
  if (same) return firstOutcome.outcome === 'rejected' ? firstOutcome : { outcome: 'existing', row: firstOutcome.row };
  const error =
    firstOutcome.outcome === 'rejected'
      ? new DuplicateKeyInBatchError(later.firstIndex)
      : new DuplicateTransactionError(firstOutcome.row.id);
  return { outcome: 'rejected', error };
}

function isSameRequest(later: MintCandidate, first: BatchItem): boolean {
  const { userId, amount, reason, given } = later;
  // The first was refused before its address was known (no custodial wallet): only the very same fields match it.
  if (first.address === undefined || first.hash === undefined) {
    const { candidate } = first;
    return (
      given === undefined &&
      candidate.given === undefined &&
      userId === candidate.userId &&
      amount === candidate.amount &&
      reason === candidate.reason
    );
  }
  return requestHash({ kind: 'mint', userId, address: given ?? first.address, amount, reason }) === first.hash;
}

/** Settles an item's outcome; false, so that a filter that settles an item also drops it. */
export type Decide = (item: { index: number }, outcome: ItemOutcome) => false;

export const rejected = (error: AppError): ItemOutcome => ({ outcome: 'rejected', error });

/** Runs `check`; an AppError it throws becomes the item's outcome. True when it passed. */
export function attempt(item: { index: number }, decide: Decide, check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    decide(item, rejected(error));
    return false;
  }
}

/** Fixes where the item mints to, and so its request hash. */
export function identify(item: BatchItem, address: Address): void {
  item.address = address;
  item.hash = requestHash({
    kind: 'mint',
    userId: item.candidate.userId,
    address,
    amount: item.candidate.amount,
    reason: item.candidate.reason,
  });
}

export const byKey = (rows: Transaction[]): Map<string, Transaction> => new Map(rows.map((row) => [row.idempotencyKey, row]));
