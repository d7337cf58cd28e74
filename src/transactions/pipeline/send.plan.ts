import { type Address, encodeFunctionData, type Hex } from 'viem';

import { havenAbi } from '../../chain/haven.abi';
import type { TransactionKind } from '../transaction.entity';

/** A claimed request, as much of it as sending needs. */
export interface QueuedRequest {
  id: string;
  kind: TransactionKind;
  address: Address;
  amount: bigint;
  reason: string;
}

/** One on-chain transaction to send: a lone request, or mints packed into a batchMint. */
export interface PlannedSend {
  /** The first request; its id becomes the `batch_id` of every request in the send. */
  lead: QueuedRequest;
  requests: QueuedRequest[];
  data: Hex;
}

/**
 * Packs mints that share a reason into batchMint calls of at most `batchMaxSize` (the
 * contract's event carries one reason per call, and each user must see their own).
 * Burns always go alone: one failing burn must not revert anybody else's. Requests keep
 * their queue order within a batch, and batches are ordered by their first request.
 */
export function planSends(requests: readonly QueuedRequest[], batchMaxSize: number): PlannedSend[] {
  const sends: PlannedSend[] = [];
  const openBatches = new Map<string, QueuedRequest[]>();
  const groups: QueuedRequest[][] = [];
  for (const request of requests) {
    if (request.kind !== 'mint' || batchMaxSize <= 1) {
      groups.push([request]);
      continue;
    }
    let batch = openBatches.get(request.reason);
    if (batch === undefined || batch.length >= batchMaxSize) {
      batch = [];
      openBatches.set(request.reason, batch);
      groups.push(batch);
    }
    batch.push(request);
  }
  for (const group of groups) sends.push({ lead: group[0], requests: group, data: encodeCall(group) });
  return sends;
}

function encodeCall(group: QueuedRequest[]): Hex {
  const [first] = group;
  if (first.kind === 'burn') {
    return encodeFunctionData({ abi: havenAbi, functionName: 'burnFrom', args: [first.address, first.amount, first.reason] });
  }
  if (group.length === 1) {
    return encodeFunctionData({ abi: havenAbi, functionName: 'mint', args: [first.address, first.amount, first.reason] });
  }
  return encodeFunctionData({
    abi: havenAbi,
    functionName: 'batchMint',
    args: [group.map((request) => request.address), group.map((request) => request.amount), first.reason],
  });
}
