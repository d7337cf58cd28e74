import { parseEventLogs } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import type { TestChain } from '../support/chain';
import { withClient } from '../support/database';
import type { AcceptedRequest } from './load-ledger';

export interface LedgerFindings {
  byStatus: Record<string, number>;
  /** Failed requests by error code. */
  failedBy: Record<string, number>;
  /** Accepted by a 202 but missing, unsettled, or confirmed without its event. */
  lost: string[];
  /** Events no confirmed request accounts for: a request minted (or burned) twice, or a failed one that took effect. */
  extraEvents: string[];
  confirmedMintsPerSecond: number;
  /** totalSupply() against the events, and whether they agree. */
  supply: { text: string; agrees: boolean };
}

interface Row {
  id: string;
  kind: 'mint' | 'burn';
  status: string;
  address: string;
  amount: string;
  tx_hash: string | null;
  error_code: string | null;
}

/**
 * The ledger from both ends: each confirmed request is matched to one event of its own
 * transaction with its amount and address; an event left over is a double effect; a request
 * the client was given and the database or the chain lacks is lost.
 */
export async function checkLedger(
  chain: Pick<TestChain, 'publicClient' | 'contractAddress'>,
  databaseUrl: string,
  accepted: ReadonlyMap<string, AcceptedRequest>,
): Promise<LedgerFindings> {
  const { rows, rate } = await withClient(databaseUrl, async (client) => ({
    rows: (await client.query<Row>(`SELECT id, kind, status, address, amount::text AS amount, tx_hash, error_code FROM transactions`)).rows,
    rate: (
      await client.query<{ rate: number | null }>(
        `SELECT count(*) / NULLIF(EXTRACT(EPOCH FROM max(confirmed_at) - min(created_at)), 0) AS rate
           FROM transactions WHERE kind = 'mint' AND status = 'confirmed'`,
      )
    ).rows[0].rate,
  }));
  const logs = await logsInChunks(chain);
  const parsed = parseEventLogs({ abi: havenAbi, eventName: ['Minted', 'Burned'], logs });
  const head = logs.at(-1)?.blockNumber ?? 0n;
  const totalSupply = await chain.publicClient.readContract({
    address: chain.contractAddress,
    abi: havenAbi,
    functionName: 'totalSupply',
    blockNumber: head,
  });
  const net = parsed.reduce((sum, log) => (log.eventName === 'Minted' ? sum + log.args.amount : sum - log.args.amount), 0n);
  const supply = `totalSupply() ${totalSupply} wei at block ${head}, Minted − Burned ${net}`;
  const events = parsed.map((log) => ({
    key: `${log.eventName === 'Minted' ? 'mint' : 'burn'}:${log.transactionHash.toLowerCase()}:${(log.eventName === 'Minted' ? log.args.to : log.args.from).toLowerCase()}:${log.args.amount}`,
    where: `${log.eventName} ${log.args.amount} in ${log.transactionHash}`,
  }));

  const unclaimed = new Map<string, string[]>();
  for (const event of events) unclaimed.set(event.key, [...(unclaimed.get(event.key) ?? []), event.where]);
  const byStatus: Record<string, number> = {};
  const failedBy: Record<string, number> = {};
  const lost: string[] = [];
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const row of rows) {
    byStatus[`${row.kind} ${row.status}`] = (byStatus[`${row.kind} ${row.status}`] ?? 0) + 1;
    if (row.status === 'failed') failedBy[row.error_code ?? 'none'] = (failedBy[row.error_code ?? 'none'] ?? 0) + 1;
    if (row.status !== 'confirmed') {
      if (row.status !== 'failed') lost.push(`${row.id} still ${row.status}`);
      continue;
    }
    const key = `${row.kind}:${(row.tx_hash ?? '').trim().toLowerCase()}:${row.address.toLowerCase()}:${row.amount}`;
    const matching = unclaimed.get(key) ?? [];
    if (matching.length === 0) lost.push(`${row.id} confirmed in ${row.tx_hash} without its event`);
    else matching.pop();
  }
  for (const txId of accepted.keys()) if (!byId.has(txId)) lost.push(`${txId} was accepted but is not stored`);
  const extraEvents = [...unclaimed.values()].flat();
  return {
    byStatus,
    failedBy,
    lost,
    extraEvents,
    confirmedMintsPerSecond: Number(rate ?? 0),
    supply: { text: supply, agrees: totalSupply === net },
  };
}

/** Blocks per eth_getLogs: one call for a full campaign's events exceeds viem's 10 MB answer limit. */
const LOG_CHUNK_BLOCKS = 200n;

async function logsInChunks(chain: Pick<TestChain, 'publicClient' | 'contractAddress'>) {
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const logs = [];
  for (let fromBlock = 0n; fromBlock <= head; fromBlock += LOG_CHUNK_BLOCKS) {
    const toBlock = fromBlock + LOG_CHUNK_BLOCKS - 1n < head ? fromBlock + LOG_CHUNK_BLOCKS - 1n : head;
    logs.push(...(await chain.publicClient.getLogs({ address: chain.contractAddress, fromBlock, toBlock })));
  }
  return logs;
}
