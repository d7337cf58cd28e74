import { type Address, decodeFunctionData } from 'viem';

import { havenAbi } from '../../chain/haven.abi';
import { planSends, type QueuedRequest } from './send.plan';

let counter = 0;
const request = (kind: 'mint' | 'burn', reason = 'stay'): QueuedRequest => ({
  id: `req-${++counter}`,
  kind,
  address: `0x${(++counter).toString(16).padStart(40, '0')}` as Address,
  amount: BigInt(counter) * 10n ** 18n,
  reason,
});

describe('planSends', () => {
  it('packs mints with the same reason into batchMint, in queue order, at most the batch size', () => {
    const mints = Array.from({ length: 5 }, () => request('mint'));
    const sends = planSends(mints, 2);

    expect(sends.map((send) => send.requests.map((r) => r.id))).toEqual([
      [mints[0].id, mints[1].id],
      [mints[2].id, mints[3].id],
      [mints[4].id],
    ]);
    const decoded = decodeFunctionData({ abi: havenAbi, data: sends[0].data });
    expect(decoded.functionName).toBe('batchMint');
    expect(decoded.args).toEqual([[mints[0].address, mints[1].address], [mints[0].amount, mints[1].amount], 'stay']);
    expect(decodeFunctionData({ abi: havenAbi, data: sends[2].data }).functionName).toBe('mint');
  });

  it('never mixes reasons in one batch, so each Minted event carries its own request reason', () => {
    const sends = planSends([request('mint', 'stay'), request('mint', 'referral'), request('mint', 'stay')], 100);

    expect(sends.map((send) => send.requests.map((r) => r.reason))).toEqual([['stay', 'stay'], ['referral']]);
  });

  it('sends every burn alone, as burnFrom', () => {
    const burns = [request('burn'), request('burn')];
    const sends = planSends(burns, 100);

    expect(sends).toHaveLength(2);
    expect(decodeFunctionData({ abi: havenAbi, data: sends[0].data })).toMatchObject({
      functionName: 'burnFrom',
      args: [burns[0].address, burns[0].amount, 'stay'],
    });
  });

  it('sends each mint alone when batching is off', () => {
    expect(planSends([request('mint'), request('mint')], 1).map((send) => send.requests.length)).toEqual([1, 1]);
  });

  it('names each send after its first request', () => {
    const mints = [request('mint'), request('mint')];

    expect(planSends(mints, 100)[0].lead).toBe(mints[0]);
  });
});
