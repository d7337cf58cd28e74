import type { Hex } from 'viem';

import { type Lookup, lookupAll, LOOKUPS_PER_CALL } from './chain-lookup';

const hashes = (count: number): Hex[] => Array.from({ length: count }, (_, i) => `0x${i.toString(16).padStart(64, '0')}` as Hex);

describe('lookupAll', () => {
  it(`never has more than ${LOOKUPS_PER_CALL} lookups in flight, so one JSON-RPC batch of receipts stays under the response limit`, async () => {
    let inFlight = 0;
    let most = 0;
    const answered = await lookupAll(hashes(105), async (hash): Promise<Lookup<Hex>> => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { state: 'found', value: hash };
    });
    expect(most).toBe(LOOKUPS_PER_CALL);
    expect(answered.size).toBe(105);
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
