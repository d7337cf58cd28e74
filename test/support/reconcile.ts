import { type Hex, parseEventLogs } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import type { TestChain } from './chain';
import { withClient } from './database';

export interface ReconcileOptions {
  chain: Pick<TestChain, 'publicClient' | 'contractAddress'>;
  databaseUrl: string;
  /** The requests under test; all rows of `transactions` when omitted. */
  requestIds?: readonly string[];
  /** `failed` requests are then allowed, provided none of them left an event on chain. */
  allowFailed?: boolean;
  /** Transactions the test sent itself (set-up mints, burns): their events are external whatever address they touch. */
  setupTransactions?: readonly Hex[];
}

export interface Reconciliation {
  /** Read at `blockNumber`, the block every figure here is taken at. */
  totalSupply: bigint;
  blockNumber: bigint;
  /** Every Minted / Burned event of the contract. */
  mintedOnChain: bigint;
  burnedOnChain: bigint;
  /** Sums of the confirmed requests in scope. */
  mintedByRequests: bigint;
  burnedByRequests: bigint;
  /** Events to or from addresses no request in scope is about, or in `setupTransactions`. */
  external: { minted: bigint; burned: bigint };
  requests: { confirmed: number; failed: number; unsettled: number };
  /** Every violation found, readable; empty when the chain and the requests agree. */
  problems: string[];
}

type Kind = 'mint' | 'burn';

interface RequestRow {
  id: string;
  kind: Kind;
  status: string;
  address: string;
  amount: string;
  tx_hash: string | null;
  /** Every hash the request was ever sent under (its batch's attempts and its own tx_hash). */
  hashes: string[] | null;
}

interface SupplyEvent {
  kind: Kind;
  /** Lower-case: `to` of a Minted, `from` of a Burned. */
  address: string;
  amount: bigint;
  txHash: string;
  /** Index into the log list, to tell two identical events of one transaction apart. */
  key: number;
}

const EVENT_NAME: Record<Kind, string> = { mint: 'Minted', burn: 'Burned' };

/**
 * Proves the ledger: what the contract minted and burned is exactly what the confirmed
 * requests say, nothing lost, nothing twice. Every figure is read at one block, so a test
 * may call it while nothing is in flight and compare totals safely.
 */
export async function reconcileChain(options: ReconcileOptions): Promise<Reconciliation> {
  const { chain, databaseUrl, requestIds, allowFailed = false } = options;
  const setup = new Set((options.setupTransactions ?? []).map((hash) => hash.toLowerCase()));
  const blockNumber = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const [rows, events, totalSupply] = await Promise.all([
    loadRequests(databaseUrl, requestIds),
    loadEvents(chain, blockNumber),
    chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'totalSupply', blockNumber }),
  ]);
  const problems: string[] = [];

  if (requestIds !== undefined) {
    const found = new Set(rows.map((row) => row.id));
    for (const id of requestIds) if (!found.has(id)) problems.push(`missing: no request ${id} in the database`);
  }
  const confirmed = rows.filter((row) => row.status === 'confirmed');
  const failed = rows.filter((row) => row.status === 'failed');
  for (const row of rows) {
    if (row.status === 'confirmed' || (allowFailed && row.status === 'failed')) continue;
    problems.push(`lost/unsettled: ${row.id} is ${row.status}`);
  }

  // Per kind and address in scope, the events must be exactly the confirmed requests: a
  // double send shows as one event too many even when amounts happen to add up elsewhere.
  const inScope = new Set(rows.map((row) => `${row.kind}:${row.address.toLowerCase()}`));
  const attributable = events.filter((event) => !setup.has(event.txHash) && inScope.has(`${event.kind}:${event.address}`));
  for (const key of inScope) {
    const [kind, address] = key.split(':') as [Kind, string];
    const onChain = attributable.filter((event) => event.kind === kind && event.address === address);
    const requested = confirmed.filter((row) => row.kind === kind && row.address.toLowerCase() === address);
    const chainSum = sum(onChain.map((event) => event.amount));
    const requestSum = sum(requested.map((row) => BigInt(row.amount)));
    if (onChain.length !== requested.length || chainSum !== requestSum) {
      problems.push(
        `${kind} ${address}: ${onChain.length} ${EVENT_NAME[kind]} event(s) totalling ${chainSum} on chain, ` +
          `${requested.length} confirmed request(s) totalling ${requestSum}`,
      );
    }
  }

  // Each confirmed request is backed by its own event in the transaction it names.
  const claimed = new Set<number>();
  for (const row of confirmed) {
    if (row.tx_hash === null) {
      problems.push(`${row.id} is confirmed without a tx_hash`);
      continue;
    }
    const hash = row.tx_hash;
    const match = events.find((event) => !claimed.has(event.key) && matches(event, row, hash));
    if (match === undefined) {
      problems.push(
        `${row.id} is confirmed in ${hash.trim()}, which emitted no ${EVENT_NAME[row.kind]} of ${row.amount} for ${row.address.toLowerCase()}`,
      );
    } else claimed.add(match.key);
  }

  // A failed request must have left nothing: no event for it under any hash it was sent as.
  for (const row of allowFailed ? failed : []) {
    for (const hash of row.hashes ?? []) {
      if (events.some((event) => matches(event, row, hash)))
        problems.push(`${row.id} is failed but ${hash} emitted its ${EVENT_NAME[row.kind]}`);
    }
  }

  const total = (kind: Kind, from: readonly SupplyEvent[]) => sum(from.filter((event) => event.kind === kind).map((event) => event.amount));
  const mintedOnChain = total('mint', events);
  const burnedOnChain = total('burn', events);
  if (totalSupply !== mintedOnChain - burnedOnChain) {
    problems.push(
      `totalSupply() is ${totalSupply} but Minted − Burned is ${mintedOnChain} − ${burnedOnChain} = ${mintedOnChain - burnedOnChain}`,
    );
  }
  const requestTotal = (kind: Kind) => sum(confirmed.filter((row) => row.kind === kind).map((row) => BigInt(row.amount)));
  return {
    totalSupply,
    blockNumber,
    mintedOnChain,
    burnedOnChain,
    mintedByRequests: requestTotal('mint'),
    burnedByRequests: requestTotal('burn'),
    external: { minted: mintedOnChain - total('mint', attributable), burned: burnedOnChain - total('burn', attributable) },
    requests: { confirmed: confirmed.length, failed: failed.length, unsettled: rows.length - confirmed.length - failed.length },
    problems,
  };
}

/** reconcileChain, failing the test with every problem listed unless there are none. */
export async function expectReconciled(options: ReconcileOptions): Promise<Reconciliation> {
  const reconciliation = await reconcileChain(options);
  expect(reconciliation.problems).toEqual([]);
  return reconciliation;
}

function matches(event: SupplyEvent, row: RequestRow, hash: string): boolean {
  return (
    event.txHash === hash.trim().toLowerCase() &&
    event.kind === row.kind &&
    event.address === row.address.toLowerCase() &&
    event.amount === BigInt(row.amount)
  );
}

const sum = (amounts: readonly bigint[]): bigint => amounts.reduce((total, amount) => total + amount, 0n);

async function loadRequests(databaseUrl: string, ids: readonly string[] | undefined): Promise<RequestRow[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<RequestRow>(
      `SELECT t.id, t.kind, t.status, t.address, t.amount::text AS amount, t.tx_hash,
              (SELECT array_agg(DISTINCT h) FROM (
                 SELECT a.tx_hash AS h FROM transaction_attempts a WHERE a.transaction_id = COALESCE(t.batch_id, t.id)
                 UNION SELECT t.tx_hash WHERE t.tx_hash IS NOT NULL) hashes) AS hashes
         FROM transactions t
        WHERE $1::uuid[] IS NULL OR t.id = ANY($1::uuid[])
        ORDER BY t.created_at, t.id`,
      [ids === undefined ? null : [...ids]],
    );
    return rows;
  });
}

async function loadEvents(chain: ReconcileOptions['chain'], toBlock: bigint): Promise<SupplyEvent[]> {
  const logs = await chain.publicClient.getLogs({ address: chain.contractAddress, fromBlock: 0n, toBlock });
  return parseEventLogs({ abi: havenAbi, eventName: ['Minted', 'Burned'], logs }).map((log, key) => ({
    kind: log.eventName === 'Minted' ? 'mint' : 'burn',
    address: (log.eventName === 'Minted' ? log.args.to : log.args.from).toLowerCase(),
    amount: log.args.amount,
    txHash: log.transactionHash.toLowerCase(),
    key,
  }));
}
