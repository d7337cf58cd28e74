import type { Hex } from 'viem';

import { type Lookup, lookupAll, lookupGroups, LOOKUPS_IN_FLIGHT } from './chain-lookup';
import type { StoredAttempt, UnfinishedBatch } from './pipeline.records';

const hashes = (count: number): Hex[] => Array.from({ length: count }, (_, i) => `0x${i.toString(16).padStart(64, '0')}` as Hex);

describe('lookupAll', () => {
  it(`never has more than ${LOOKUPS_IN_FLIGHT} lookups in flight, so the receipts in flight stay bounded`, async () => {
    let inFlight = 0;
    let most = 0;
    const answered = await lookupAll(hashes(205), async (hash): Promise<Lookup<Hex>> => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { state: 'found', value: hash };
    });
    expect(most).toBe(LOOKUPS_IN_FLIGHT);
    expect(answered.size).toBe(205);
  });

  it('keeps every answer under its own hash, failures included', async () => {
    const all = hashes(45);
    const answered = await lookupAll(all, async (hash): Promise<Lookup<Hex>> =>
      hash === all[30]
        ? { state: 'failed', error: new Error('429') }
        : hash === all[7]
          ? { state: 'absent' }
          : { state: 'found', value: hash },
    );
    expect(answered.get(all[30])?.state).toBe('failed');
    expect(answered.get(all[7])?.state).toBe('absent');
    expect(answered.get(all[44])).toEqual({ state: 'found', value: all[44] });
  });
});

describe('lookupGroups', () => {
  const batch = (n: number): UnfinishedBatch => ({ batchId: `b${n}`, nonce: BigInt(n), status: 'submitted', lastAttemptAt: new Date(0) });
  const attemptsOf = (n: number, count: number): StoredAttempt[] =>
    Array.from({ length: count }, (_, i) => ({ batchId: `b${n}`, hash: `0x${n}${i}` }) as unknown as StoredAttempt);

  it('cuts the batches, in order, into groups of at most LOOKUPS_IN_FLIGHT attempts without splitting a batch', () => {
    // 100 batches with one attempt each, and one with three replacements besides.
    const batches = Array.from({ length: 101 }, (_, n) => batch(n));
    const attempts = batches.flatMap((_, n) => attemptsOf(n, n === LOOKUPS_IN_FLIGHT - 2 ? 4 : 1));

    const groups = lookupGroups(batches, attempts);

    expect(groups.flatMap((group) => group.batches)).toEqual(batches);
    expect(groups.map((group) => group.attempts.length)).toEqual([LOOKUPS_IN_FLIGHT - 2, 4 + (101 - LOOKUPS_IN_FLIGHT + 1)]);
    for (const group of groups) {
      expect(group.attempts.map((attempt) => attempt.batchId)).toEqual(
        group.batches.flatMap((b) => attempts.filter((attempt) => attempt.batchId === b.batchId).map((attempt) => attempt.batchId)),
      );
    }
  });

  it('keeps a batch with more attempts than fit a group whole, in a group of its own', () => {
    const groups = lookupGroups(
      [batch(1), batch(2), batch(3)],
      [...attemptsOf(1, 1), ...attemptsOf(2, LOOKUPS_IN_FLIGHT + 5), ...attemptsOf(3, 1)],
    );

    expect(groups.map((group) => group.batches.map((b) => b.batchId))).toEqual([['b1'], ['b2'], ['b3']]);
    expect(groups[1].attempts).toHaveLength(LOOKUPS_IN_FLIGHT + 5);
  });
});
