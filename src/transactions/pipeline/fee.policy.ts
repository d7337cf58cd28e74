/** EIP-1559 fees of one signed transaction. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What the chain asks now: suggested fees, and the base fee of the latest block. */
export interface MarketFees {
  fees: Fees;
  baseFeePerGas: bigint;
  blockNumber: bigint;
}

/**
 * Nodes take a same-nonce replacement only if both fees rise by at least 10 % (geth's
 * default; some want more). 12.5 % clears every common threshold with integer rounding.
 */
const BUMP_NUMERATOR = 1125n;
const BUMP_DENOMINATOR = 1000n;

const bump = (value: bigint): bigint => (value * BUMP_NUMERATOR + BUMP_DENOMINATOR - 1n) / BUMP_DENOMINATOR + 1n;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Fees for a replacement: enough above the previous attempt to be accepted, and never below the market now. */
export function replacementFees(previous: Fees, market: Fees): Fees {
  const maxPriorityFeePerGas = max(bump(previous.maxPriorityFeePerGas), market.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(bump(previous.maxFeePerGas), market.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** Whether fees respect the operator's ceiling on the total fee per gas. */
export function withinCap(fees: Fees, capWei: bigint | undefined): boolean {
  return capWei === undefined || fees.maxFeePerGas <= capWei;
}

/**
 * Fees for a first send under the ceiling `MAX_FEE_PER_GAS_GWEI`, which bounds the total fee
 * (base fee + tip), never only the tip. `null` while the base fee and tip together are
 * above it: a transaction signed below the base fee cannot be mined, so nothing is signed
 * and requests wait queued. Otherwise the market's fees, clipped to the cap.
 */
export function feesUnderCap(market: MarketFees, capWei: bigint | undefined): Fees | null {
  if (capWei === undefined) return market.fees;
  if (market.baseFeePerGas + market.fees.maxPriorityFeePerGas > capWei) return null;
  return { maxFeePerGas: min(market.fees.maxFeePerGas, capWei), maxPriorityFeePerGas: market.fees.maxPriorityFeePerGas };
}
