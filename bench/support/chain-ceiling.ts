import { randomBytes } from 'node:crypto';

import type { Address } from 'viem';
import { formatGwei, parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import type { TestChain } from '../../test/support/chain';
import { withClient } from '../../test/support/database';

/**
 * Base's block gas limit, as configured by default for bench:mint (`--gas-limit` changes it).
 * Base raised its gas target to 150 Mgas/s in Q4 2025 ("Scaling Base: doubling capacity in 30
 * days", blog.base.dev): 300M gas per 2 s block. In Aug 2025 docs.base.org's block-building
 * page gave 14M as "1/10 of the current block gas limit", i.e. 140M then.
 */
export const BASE_BLOCK_GAS_LIMIT = 300_000_000n;
/** HAVEN.sol's MAX_BATCH_SIZE: batchMint refuses more recipients in one call. */
export const CONTRACT_MAX_BATCH = 100;

/**
 * A fresh address nobody holds: 20 random bytes. Not derived from a key: deriving 1,000 public
 * keys for one bulk request blocked the load generator for seconds, long enough for the
 * server to close the idle keep-alive socket just as the next request went out on it.
 */
export const freshRecipient = (): Address => `0x${randomBytes(20).toString('hex')}`;

export interface Ceiling {
  gasPerMint: number;
  gasPerBatch: number;
  /** block gas ÷ gas per batched mint ÷ block time. */
  mintsPerSecond: number;
  /** The same, counting only whole batchMint transactions per block. */
  wholeBatchesPerSecond: number;
}

export function ceilingOf(gasLimit: bigint, gasPerBatch: number, batchSize: number, blockTime: number): Ceiling {
  const gasPerMint = gasPerBatch / batchSize;
  const wholeBatches = Math.floor(Number(gasLimit) / gasPerBatch);
  return {
    gasPerMint,
    gasPerBatch,
    mintsPerSecond: Number(gasLimit) / gasPerMint / blockTime,
    wholeBatchesPerSecond: (wholeBatches * batchSize) / blockTime,
  };
}

/**
 * Gas of one full batchMint to fresh recipients (a recipient's first credit is the dearest
 * case), sent by the hot wallet and mined before any phase starts: the phases read the
 * wallet's nonce from the chain afterwards, so this nonce is accounted for.
 */
export async function calibrateBatchGas(chain: TestChain): Promise<number> {
  const recipients = Array.from({ length: CONTRACT_MAX_BATCH }, freshRecipient);
  const hash = await chain.backendWallet.writeContract({
    address: chain.contractAddress,
    abi: havenAbi,
    functionName: 'batchMint',
    args: [recipients, recipients.map(() => parseUnits('1', 18)), 'bench'],
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== 'success') throw new Error('calibration batchMint reverted');
  return Number(receipt.gasUsed);
}

/**
 * Gas per mint as the chain charged the service's batched sends: receipts' gasUsed (stored on
 * each request of the batch) over the mints they carried, full batches only when there are any.
 */
export async function measuredGasPerMint(databaseUrl: string): Promise<{ gasPerMint: number; batches: number; size: number } | null> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ gas: string; mints: string; batches: string; size: number }>(
      `WITH b AS (SELECT batch_id, max(gas_used) AS gas, count(*) AS mints FROM transactions
                   WHERE status = 'confirmed' AND kind = 'mint' AND gas_used IS NOT NULL GROUP BY batch_id),
            s AS (SELECT max(mints) AS size FROM b)
       SELECT sum(gas)::text AS gas, sum(mints)::text AS mints, count(*)::text AS batches, max(s.size)::int AS size
         FROM b, s WHERE b.mints = s.size`,
    );
    const [row] = rows;
    if (row === undefined || row.batches === '0' || row.gas === null) return null;
    return { gasPerMint: Number(row.gas) / Number(row.mints), batches: Number(row.batches), size: row.size };
  });
}

/** Stores `count` queued mints to fresh addresses in one statement, as intake would have stored them. */
export async function insertQueuedMints(databaseUrl: string, count: number, clientId: string, chainId: number): Promise<void> {
  await withClient(databaseUrl, (client) =>
    client.query(
      `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id)
       SELECT $1, 'mint', 'queued', 'queued-user-' || i,
              '0x' || substr(md5(s.salt || i), 1, 32) || substr(md5(i || s.salt), 1, 8),
              1000000000000000000, 'bench', 'queued-' || s.salt || '-' || i, md5(s.salt || i) || md5(i || s.salt), $3
         FROM generate_series(1, $2::int) AS i, (SELECT md5(random()::text) AS salt) AS s`,
      [clientId, count, chainId],
    ),
  );
}

/** Requests by status, in one read. */
export async function statusCounts(databaseUrl: string): Promise<Record<string, number>> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ status: string; count: number }>(
      `SELECT status, count(*)::int AS count FROM transactions GROUP BY status`,
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  });
}

/**
 * How the confirmed mints spread over blocks: the blocks from the first to the last that holds
 * one (the chain time they took), and the mints in the fullest and the median block.
 */
export async function blockFill(
  databaseUrl: string,
): Promise<{ blocks: number; span: number; maxMints: number; medianMints: number; maxTransactions: number }> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ blocks: number; span: number; max_mints: number; median_mints: number; max_txs: number }>(
      `SELECT count(*)::int AS blocks, (max(block_number) - min(block_number) + 1)::int AS span, max(mints)::int AS max_mints,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY mints)::int AS median_mints, max(txs)::int AS max_txs
         FROM (SELECT block_number, count(*) AS mints, count(DISTINCT batch_id) AS txs FROM transactions
                WHERE status = 'confirmed' GROUP BY block_number) b`,
    );
    const [row] = rows;
    return { blocks: row.blocks, span: row.span, maxMints: row.max_mints, medianMints: row.median_mints, maxTransactions: row.max_txs };
  });
}

/**
 * Per block from the first to the last holding confirmed mints: when (seconds after `since`)
 * its requests were stored, signed, submitted and confirmed; its base fee and the lowest fee
 * cap among our transactions in it. Blocks between that hold none of ours are listed too, with
 * their base fee: a run of them while sends wait is what underpriced sends look like.
 */
export async function blockTimeline(chain: TestChain, databaseUrl: string, since: Date, sinceWhat: string): Promise<string[]> {
  const rows = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{
      block: string;
      mints: number;
      txs: number;
      stored: number;
      signed: number;
      submitted: number;
      confirmed: number;
      lowestMaxFee: string;
    }>(
      `SELECT t.block_number::text AS block, count(*)::int AS mints, count(DISTINCT t.batch_id)::int AS txs,
              extract(epoch FROM max(t.created_at) - $1)::float8 AS stored,
              extract(epoch FROM max(a.created_at) - $1)::float8 AS signed,
              extract(epoch FROM max(t.submitted_at) - $1)::float8 AS submitted,
              extract(epoch FROM max(t.confirmed_at) - $1)::float8 AS confirmed,
              min(a.max_fee_per_gas)::text AS "lowestMaxFee"
         FROM transactions t JOIN transaction_attempts a ON a.transaction_id = t.batch_id AND a.tx_hash = t.tx_hash
        WHERE t.status = 'confirmed' GROUP BY t.block_number ORDER BY t.block_number`,
      [since],
    );
    return rows;
  });
  if (rows.length === 0) return [];
  const ours = new Map(rows.map((row) => [BigInt(row.block), row]));
  const gwei = (wei: bigint | string) => `${formatGwei(BigInt(wei))} gwei`;
  const lines: string[] = [];
  for (let number = BigInt(rows[0].block); number <= BigInt(rows[rows.length - 1].block); number++) {
    const { baseFeePerGas } = await chain.publicClient.getBlock({ blockNumber: number });
    const row = ours.get(number);
    const fees = `base fee ${gwei(baseFeePerGas ?? 0n)}`;
    lines.push(
      row === undefined
        ? `block ${number}: none of ours; ${fees}`
        : `block ${number}: ${row.mints} mints in ${row.txs} transactions; last stored ${row.stored.toFixed(1)} s, ` +
            `signed ${row.signed.toFixed(1)} s, submitted ${row.submitted.toFixed(1)} s, confirmed ${row.confirmed.toFixed(1)} s ` +
            `after ${sinceWhat}; ${fees}, lowest fee cap ${gwei(row.lowestMaxFee)}`,
    );
  }
  return lines;
}
