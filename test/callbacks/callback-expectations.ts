import { verifyPayloadSignature } from '../../src/outbox/payload-signature';
import type { ReceivedCallback } from '../support/callback-receiver';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { deliveryRows } from './callback-rows';

/** A partner's signing secret in these tests (at least 32 characters, as configuration demands). */
export const CALLBACK_SECRET = 'partner-callback-secret-0123456789abcdef';

/**
 * What a partner must be able to rely on, checked against the database for `txIds`: every
 * status change owed was delivered (answered 2xx) exactly once, under its own delivery id,
 * signed with the client's secret; per transaction, the events arrived in order, each one
 * continuing from the last (`previousStatus`), ending at the transaction's status now; and no
 * event went out while an earlier one of its transaction was still undelivered.
 */
export async function expectDeliveredInOrderExactlyOnce(
  databaseUrl: string,
  received: readonly ReceivedCallback[],
  txIds: string[],
  secret: string = CALLBACK_SECRET,
): Promise<void> {
  // The receiver answers before the worker records its answer: wait for the record.
  const owed = await eventually(async () => {
    const rows = await deliveryRows(databaseUrl, txIds);
    expect(rows.map((row) => [row.id, row.status])).toEqual(rows.map((row) => [row.id, 'delivered']));
    return rows;
  });
  const mine = received.filter((callback) => txIds.includes(callback.body.txId));
  const delivered = mine.filter((callback) => callback.answeredStatus < 300);
  expect(delivered.map((callback) => callback.deliveryId).sort()).toEqual(owed.map((row) => row.id).sort());
  expect(new Set(delivered.map((callback) => callback.deliveryId)).size).toBe(delivered.length);
  const byEvent = delivered.map((callback) => `${callback.body.txId}:${callback.body.status}:${callback.body.reorgCount}`);
  expect(new Set(byEvent).size).toBe(byEvent.length);
  for (const callback of mine) {
    expect(verifySignature(callback, secret)).toBe(true);
    expect(callback.event).toBe(`transaction.${callback.body.status}`);
    expect(callback.body.event).toBe(callback.event);
  }

  const statuses = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ id: string; status: string }>(`SELECT id, status FROM transactions WHERE id = ANY($1::uuid[])`, [
      txIds,
    ]);
    return new Map(rows.map((row) => [row.id, row.status]));
  });
  for (const txId of txIds) {
    const events = delivered.filter((callback) => callback.body.txId === txId).map((callback) => callback.body);
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((event) => event.previousStatus)).toEqual(['queued', ...events.slice(0, -1).map((event) => event.status)]);
    expect(events.at(-1)!.status).toBe(statuses.get(txId));
    // Every POST for this transaction, answered or not: never one before its predecessor arrived.
    let lastDelivered = 0n;
    for (const callback of mine.filter((each) => each.body.txId === txId)) {
      const id = BigInt(callback.deliveryId);
      expect(id).toBeGreaterThanOrEqual(lastDelivered);
      const earlierUndelivered = owed.some((row) => row.transaction_id === txId && BigInt(row.id) > lastDelivered && BigInt(row.id) < id);
      expect(earlierUndelivered).toBe(false);
      if (callback.answeredStatus < 300) lastDelivered = id;
    }
  }
}

const verifySignature = (callback: ReceivedCallback, secret: string): boolean =>
  verifyPayloadSignature(secret, { signature: callback.signature, timestamp: callback.timestamp }, callback.rawBody);
