import { createHash } from 'node:crypto';

import { type Address, zeroAddress } from 'viem';

import { parseAddress } from '../chain/address';
import type { Transaction, TransactionKind } from '../transactions/transaction.entity';
import type { NewTransaction } from '../transactions/transaction.repository';
import { DuplicateTransactionError, InvalidAddressError } from './token.errors';

/** What an Idempotency-Key may be, on the single routes (header) and in a batch item alike. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,255}$/;

/** The fields that make two requests "the same request" (the callback URL is not one). */
export type RequestContent = Pick<NewTransaction, 'kind' | 'userId' | 'address' | 'amount' | 'reason'>;

/** A given `to`/`from`, checksummed; the zero address is refused (a mint there burns, a burn from it fails). */
export function checkedAddress(kind: TransactionKind, text: string): Address {
  const address = parseAddress(text);
  if (address === undefined || address === zeroAddress) throw new InvalidAddressError(kind === 'mint' ? 'to' : 'from');
  return address;
}

/** sha256 of the request's canonical JSON: what makes a retry "the same request". */
export function requestHash({ kind, userId, address, amount, reason }: RequestContent): string {
  const canonical = JSON.stringify({ kind, userId, address: address.toLowerCase(), amountWei: amount.toString(), reason });
  return createHash('sha256').update(canonical).digest('hex');
}

/** The stored request if `hash` is its own (a retry), else the key was reused for another request. */
export function sameRequestOrConflict(existing: Transaction, hash: string): Transaction {
  if (existing.requestHash !== hash) throw new DuplicateTransactionError(existing.id);
  return existing;
}
