import { outcomeOfStatus, parseRetryAfter } from './delivery-outcome';
import { signPayload, verifyPayloadSignature } from './payload-signature';
import { DELIVERY_RETRY, retryDelayMs } from './retry-schedule';

describe('outbox delivery rules', () => {
  it('doubles the wait after each failed attempt, with jitter in the upper half of the step, up to the cap', () => {
    expect(retryDelayMs(1, DELIVERY_RETRY, undefined, () => 0)).toBe(2_500);
    expect(retryDelayMs(1, DELIVERY_RETRY, undefined, () => 1)).toBe(5_000);
    expect(retryDelayMs(3, DELIVERY_RETRY, undefined, () => 1)).toBe(20_000);
    expect(retryDelayMs(30, DELIVERY_RETRY, undefined, () => 1)).toBe(600_000);
  });

  it("honours a receiver's Retry-After when it asks for longer, never beyond the cap", () => {
    expect(retryDelayMs(1, DELIVERY_RETRY, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(1, DELIVERY_RETRY, 1_000, () => 1)).toBe(5_000);
    expect(retryDelayMs(1, DELIVERY_RETRY, 86_400_000, () => 1)).toBe(600_000);
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('retries 408, 429 and 5xx, and takes any other 4xx as final', () => {
    expect(outcomeOfStatus(202, null)).toEqual({ kind: 'delivered', status: 202 });
    for (const status of [408, 429, 500, 503]) expect(outcomeOfStatus(status, null).kind).toBe('retry');
    for (const status of [400, 401, 403, 404, 410, 422]) expect(outcomeOfStatus(status, null).kind).toBe('final');
  });

  it('signs timestamp and body together, so neither can be changed or replayed late', () => {
    const body = JSON.stringify({ title: 'Hot wallet low' });
    const now = 1_800_000_000;
    const signature = signPayload('secret-0123456789', now, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const check = (sig: string, ts: string, text: string, nowSeconds = now) =>
      verifyPayloadSignature('secret-0123456789', { signature: sig, timestamp: ts }, text, { nowSeconds });
    expect(check(signature, String(now), body)).toBe(true);
    expect(check(signature, String(now), `${body} `)).toBe(false);
    expect(check(signature, String(now + 1), body)).toBe(false);
    expect(check(signature, String(now), body, now + 301)).toBe(false);
    expect(check(signPayload('other-secret-0123', now, body), String(now), body)).toBe(false);
  });
});
