import { createHash, randomUUID } from 'node:crypto';

import type { Address } from 'viem';

import { TEST_CLIENT } from '../support/config';
import { withClient } from '../support/database';

export interface DeliveryRow {
  id: string;
  transaction_id: string;
  client_id: string;
  callback_url: string;
  event_status: string;
  previous_status: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
}

/**
 * Queued mints with a callback URL, stored in one statement, as intake stores each: committed
 * together, so the sender claims them together and packs same-reason mints into one batchMint.
 */
export async function insertQueuedMints(
  databaseUrl: string,
  requests: Array<{ address: Address; amount: bigint; callbackUrl: string | null; reason?: string }>,
  chainId: number,
): Promise<string[]> {
  return withClient(databaseUrl, async (client) => {
    const keys = requests.map(() => randomUUID());
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash, chain_id,
                                 callback_url)
       SELECT $1, 'mint', 'queued', 'user-1', r.address, r.amount, r.reason, r.key, r.hash, $2, r.callback_url
         FROM unnest($3::char(42)[], $4::numeric[], $5::varchar[], $6::varchar[], $7::char(64)[], $8::varchar[])
           AS r(address, amount, reason, key, hash, callback_url)
       RETURNING id`,
      [
        TEST_CLIENT,
        chainId,
        requests.map((request) => request.address),
        requests.map((request) => request.amount.toString()),
        requests.map((request) => request.reason ?? 'stay reward'),
        keys,
        keys.map((key) => createHash('sha256').update(key).digest('hex')),
        requests.map((request) => request.callbackUrl),
      ],
    );
    return rows.map((row) => row.id);
  });
}

/** The deliveries owed for these transactions (all of them when omitted), in id order. */
export function deliveryRows(databaseUrl: string, transactionIds?: string[]): Promise<DeliveryRow[]> {
  return withClient(
    databaseUrl,
    async (client) =>
      (
        await client.query<DeliveryRow>(
          `SELECT * FROM callback_deliveries WHERE $1::uuid[] IS NULL OR transaction_id = ANY($1::uuid[]) ORDER BY id`,
          [transactionIds ?? null],
        )
      ).rows,
  );
}
