import { capped, replacementFees, withinCap } from './fee.policy';

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
    const next = replacementFees({ maxFeePerGas: gwei(1), maxPriorityFeePerGas: gwei(1) }, { maxFeePerGas: 0n, maxPriorityFeePerGas: gwei(5) });

    expect(next.maxFeePerGas).toBeGreaterThanOrEqual(next.maxPriorityFeePerGas);
  });

  it('clips first sends to the ceiling and refuses when even the tip is above it', () => {
    const market = { maxFeePerGas: gwei(30), maxPriorityFeePerGas: gwei(1) };

    expect(capped(market, undefined)).toEqual(market);
    expect(capped(market, gwei(20))).toEqual({ maxFeePerGas: gwei(20), maxPriorityFeePerGas: gwei(1) });
    expect(capped(market, gwei(0.5))).toBeNull();
    expect(withinCap(market, gwei(20))).toBe(false);
    expect(withinCap(market, undefined)).toBe(true);
  });
});
