/** Weight of a normal reading in the baseline, per tick. */
const NORMAL_WEIGHT_PER_MILLE = 200n;
/**
 * Weight of a reading during a spike: small, so a spike does not lift the baseline it is
 * judged against, yet a level that lasts (half an hour of 60 s ticks at 3×) becomes the new normal.
 */
const SPIKE_WEIGHT_PER_MILLE = 10n;

export interface GasJudgement {
  /** The baseline the reading was judged against. */
  baseline: bigint;
  spike: boolean;
  /** The baseline for the next reading. */
  next: bigint;
}

/**
 * Judges a base fee against the baseline of earlier readings (an exponentially weighted
 * moving average, in wei) and moves the baseline. The first reading is the baseline; a zero
 * baseline (a chain without fees) judges nothing.
 */
export function judgeGas(baseline: bigint | null, reading: bigint, spikeThreshold: number): GasJudgement {
  if (baseline === null) return { baseline: reading, spike: false, next: reading };
  // The threshold in thousandths, so the comparison stays in exact integers.
  const spike = baseline > 0n && reading * 1000n > baseline * BigInt(Math.round(spikeThreshold * 1000));
  const weight = spike ? SPIKE_WEIGHT_PER_MILLE : NORMAL_WEIGHT_PER_MILLE;
  return { baseline, spike, next: baseline + ((reading - baseline) * weight) / 1000n };
}
