import { judgeGas } from './gas-baseline';

const gwei = (n: number) => BigInt(Math.round(n * 1e9));

describe('judgeGas (the self-updating gas baseline)', () => {
  it('takes the first reading as the baseline', () => {
    expect(judgeGas(null, gwei(1), 2)).toEqual({ baseline: gwei(1), spike: false, next: gwei(1) });
  });

  it('calls a reading above threshold × baseline a spike, and one at or under it normal', () => {
    expect(judgeGas(gwei(1), gwei(3), 2).spike).toBe(true);
    expect(judgeGas(gwei(1), gwei(2), 2).spike).toBe(false);
    expect(judgeGas(gwei(1), gwei(2.1), 2.5).spike).toBe(false);
  });

  it('follows normal readings, so the baseline updates itself', () => {
    let baseline = gwei(1);
    for (let i = 0; i < 30; i++) baseline = judgeGas(baseline, gwei(1.8), 2).next;
    expect(Number(baseline) / 1e9).toBeCloseTo(1.8, 2);
  });

  it('barely moves during a spike, so the spike stays a spike tick after tick', () => {
    let baseline = gwei(1);
    for (let tick = 0; tick < 10; tick++) {
      const judged = judgeGas(baseline, gwei(3), 2);
      expect(judged.spike).toBe(true);
      baseline = judged.next;
    }
    expect(Number(baseline) / 1e9).toBeLessThan(1.2);
  });

  it('lets a level that lasts become the new normal', () => {
    let baseline = gwei(1);
    let ticks = 0;
    while (judgeGas(baseline, gwei(3), 2).spike) {
      baseline = judgeGas(baseline, gwei(3), 2).next;
      ticks++;
    }
    // Half an hour of 60 s ticks: long for a spike, short for a new level of fees.
    expect(ticks).toBeGreaterThanOrEqual(25);
    expect(ticks).toBeLessThanOrEqual(35);
  });

  it('judges nothing against a zero baseline', () => {
    expect(judgeGas(0n, gwei(1), 2).spike).toBe(false);
  });
});
