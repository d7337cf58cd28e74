import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers a signed POST carries; receivers verify with `verifyPayloadSignature`'s recipe. */
export const SIGNATURE_HEADER = 'x-haven-signature';
export const TIMESTAMP_HEADER = 'x-haven-timestamp';
/** The same on every attempt of one delivery: a receiver that stored it once drops the repeat. */
export const DELIVERY_ID_HEADER = 'x-haven-delivery';

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): the timestamp is signed with
 * the body so a captured request cannot be replayed later under a fresh timestamp.
 * `timestamp` is Unix seconds, as sent in `X-Haven-Timestamp`.
 */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's check: right signature, and a timestamp within `toleranceSeconds` of now. */
export function verifyPayloadSignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  { toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000) }: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (headers.signature === undefined || headers.timestamp === undefined || !/^\d+$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
