import { feesUnderCap, replacementFees, withinCap } from './fee.policy';

const gwei = (value: number) => BigInt(Math.round(value * 1e9));

describe('fee policy', () => {
  it('raises both fees by more than the 10 % a node requires to replace', () => {
    const previous = { maxFeePerGas: gwei(10), maxPriorityFeePerGas: gwei(1) };
    const next = replacementFees(previous, { maxFeePerGas: gwei(1), maxPriorityFeePerGas: 1n });

    expect(next.maxFeePerGas * 100n).toBeGreaterThan(previous.maxFeePerGas * 110n);
    expect(next.maxPriorityFeePerGas * 100n).toBeGreaterThan(previous.maxPriorityFeePerGas * 110n);
  });

  it('bumps even tiny fees (integer rounding never leaves a replacement equal to its original)', () => {
    const next = replacementFees({ maxFeePerGas: 1n, maxPriorityFeePerGas: 0n }, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });

    expect(next.maxFeePerGas).toBeGreaterThan(1n);
    expect(next.maxPriorityFeePerGas).toBeGreaterThan(0n);
  });

  it('follows the market when it has moved further than the bump', () => {
    const market = { maxFeePerGas: gwei(50), maxPriorityFeePerGas: gwei(3) };

    expect(replacementFees({ maxFeePerGas: gwei(10), maxPriorityFeePerGas: gwei(1) }, market)).toEqual(market);
  });

  it('keeps the priority fee within the max fee', () => {
    const next = replacementFees(
      { maxFeePerGas: gwei(1), maxPriorityFeePerGas: gwei(1) },
      { maxFeePerGas: 0n, maxPriorityFeePerGas: gwei(5) },
    );

    expect(next.maxFeePerGas).toBeGreaterThanOrEqual(next.maxPriorityFeePerGas);
  });

  it('caps the total fee: nothing is signed while base fee plus tip is above the ceiling', () => {
    const market = { fees: { maxFeePerGas: gwei(30), maxPriorityFeePerGas: gwei(1) }, baseFeePerGas: gwei(24), blockNumber: 1n };

    expect(feesUnderCap(market, undefined)).toEqual(market.fees);
    expect(feesUnderCap(market, gwei(26))).toEqual({ maxFeePerGas: gwei(26), maxPriorityFeePerGas: gwei(1) });
    // The tip alone fits, but base fee + tip does not: a send signed now could never be mined.
    expect(feesUnderCap(market, gwei(24.5))).toBeNull();
    expect(feesUnderCap({ ...market, baseFeePerGas: gwei(2) }, gwei(24.5))).toEqual({
      maxFeePerGas: gwei(24.5),
      maxPriorityFeePerGas: gwei(1),
    });
    expect(withinCap(market.fees, gwei(20))).toBe(false);
    expect(withinCap(market.fees, undefined)).toBe(true);
  });
});
