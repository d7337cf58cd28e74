/** EIP-1559 fees of one signed transaction. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * Nodes take a same-nonce replacement only if both fees rise by at least 10 % (geth's
 * default; some want more). 12.5 % clears every common threshold with integer rounding.
 */
const BUMP_NUMERATOR = 1125n;
const BUMP_DENOMINATOR = 1000n;

const bump = (value: bigint): bigint => (value * BUMP_NUMERATOR + BUMP_DENOMINATOR - 1n) / BUMP_DENOMINATOR + 1n;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** Fees for a replacement: enough above the previous attempt to be accepted, and never below the market now. */
export function replacementFees(previous: Fees, market: Fees): Fees {
  const maxPriorityFeePerGas = max(bump(previous.maxPriorityFeePerGas), market.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(bump(previous.maxFeePerGas), market.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** Whether fees respect the operator's ceiling; cancels are exempt by design (see OZ Relayer #808). */
export function withinCap(fees: Fees, capWei: bigint | undefined): boolean {
  return capWei === undefined || fees.maxFeePerGas <= capWei;
}

/** Fees for a first send under the ceiling: the market, clipped; `null` if the market is above it. */
export function capped(market: Fees, capWei: bigint | undefined): Fees | null {
  if (capWei === undefined) return market;
  if (market.maxPriorityFeePerGas > capWei) return null;
  return { maxFeePerGas: market.maxFeePerGas > capWei ? capWei : market.maxFeePerGas, maxPriorityFeePerGas: market.maxPriorityFeePerGas };
}
