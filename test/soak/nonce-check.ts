import type { Hex } from 'viem';

import type { TestChain } from '../support/chain';
import { withClient } from '../support/database';

export interface NonceFindings {
  /** Nonces the backend wallet used on chain during the campaign. */
  used: number;
  /** Zero-value self-transfers: nonces the service gave up and filled (healer or cancellation). */
  fillers: number;
  /** Nonces below the chain's count with no transaction found, or still pending after the drain. */
  gaps: string[];
  /** A nonce claimed by two requests' mined attempts, or a transaction on chain no stored attempt accounts for. */
  duplicates: string[];
}

const SCAN_CONCURRENCY = 16;

/**
 * The hot wallet's nonces on chain against the stored attempts: every nonce from the
 * campaign's first is mined exactly once, by a stored attempt or a filler, and no two
 * requests claim one.
 */
export async function checkNonces(chain: TestChain, databaseUrl: string, firstNonce: bigint, firstBlock: bigint): Promise<NonceFindings> {
  const sender = chain.backendAddress.toLowerCase();
  const [latest, pending, head] = await Promise.all([
    chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'latest' }),
    chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }),
    chain.publicClient.getBlockNumber({ cacheTime: 0 }),
  ]);
  const onChain = new Map<bigint, { hash: Hex; filler: boolean }>();
  const gaps: string[] = [];
  const duplicates: string[] = [];
  for (let from = firstBlock; from <= head; from += BigInt(SCAN_CONCURRENCY)) {
    const numbers = Array.from({ length: SCAN_CONCURRENCY }, (_, i) => from + BigInt(i)).filter((number) => number <= head);
    const blocks = await Promise.all(numbers.map((blockNumber) => chain.publicClient.getBlock({ blockNumber, includeTransactions: true })));
    for (const transaction of blocks.flatMap((block) => block.transactions)) {
      if (transaction.from.toLowerCase() !== sender || BigInt(transaction.nonce) < firstNonce) continue;
      const nonce = BigInt(transaction.nonce);
      if (onChain.has(nonce)) duplicates.push(`nonce ${nonce} mined twice on chain`);
      const filler = transaction.to?.toLowerCase() === sender && transaction.value === 0n;
      onChain.set(nonce, { hash: transaction.hash, filler });
    }
  }
  for (let nonce = firstNonce; nonce < BigInt(latest); nonce++) if (!onChain.has(nonce)) gaps.push(`nonce ${nonce}: no transaction found`);
  if (pending > latest) gaps.push(`nonces ${latest}..${pending - 1} still pending after the drain`);

  const { attempts, claims, shared } = await withClient(databaseUrl, async (client) => ({
    attempts: (await client.query<{ tx_hash: string }>(`SELECT tx_hash FROM transaction_attempts`)).rows,
    // One nonce signed for two different sends: the nonce manager handed it out twice.
    shared: (
      await client.query<{ nonce: string; sends: string }>(
        `SELECT nonce::text, json_agg(json_build_object('send', transaction_id, 'status', status, 'purpose', purpose,
                  'at', created_at, 'signedAtBlock', signed_at_block, 'hash', tx_hash) ORDER BY created_at)::text AS sends
           FROM transaction_attempts WHERE nonce >= $1 GROUP BY nonce HAVING count(DISTINCT transaction_id) > 1 ORDER BY nonce`,
        [firstNonce.toString()],
      )
    ).rows,
    claims: (
      await client.query<{ nonce: string; senders: number }>(
        `SELECT nonce::text, count(DISTINCT COALESCE(batch_id, id))::int AS senders
           FROM transactions WHERE status = 'confirmed' GROUP BY nonce HAVING count(DISTINCT COALESCE(batch_id, id)) > 1`,
      )
    ).rows,
  }));
  const stored = new Set(attempts.map((attempt) => attempt.tx_hash.trim().toLowerCase()));
  for (const row of shared) duplicates.push(`nonce ${row.nonce} signed for two sends: ${row.sends}`);
  for (const claim of claims) duplicates.push(`nonce ${claim.nonce} claimed by ${claim.senders} confirmed sends`);
  for (const [nonce, { hash, filler }] of onChain) {
    if (!filler && !stored.has(hash.toLowerCase())) duplicates.push(`nonce ${nonce}: ${hash} on chain matches no stored attempt`);
  }
  return { used: onChain.size, fillers: [...onChain.values()].filter((entry) => entry.filler).length, gaps, duplicates };
}
