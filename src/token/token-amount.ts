import { formatUnits, maxUint256 } from 'viem';

import { InvalidAmountError } from './token.errors';

export const HAVEN_DECIMALS = 18;

// Plain decimal only: no sign, exponent, separators, leading zeros or bare points ("1.", ".5"),
// so one amount has one spelling and a client's float formatting cannot slip through.
const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

/** Whole-token decimal string → exact wei. Never goes through a JS number. */
export function parseTokenAmount(text: string): bigint {
  if (typeof text !== 'string' || !DECIMAL.test(text)) throw new InvalidAmountError('not a plain decimal number');
  const [whole, fraction = ''] = text.split('.');
  if (fraction.length > HAVEN_DECIMALS) throw new InvalidAmountError(`more than ${HAVEN_DECIMALS} decimals`);
  const wei = BigInt(whole) * 10n ** BigInt(HAVEN_DECIMALS) + BigInt(fraction.padEnd(HAVEN_DECIMALS, '0'));
  if (wei === 0n) throw new InvalidAmountError('must be greater than zero');
  if (wei > maxUint256) throw new InvalidAmountError('too large');
  return wei;
}

/** Wei → whole-token decimal string without trailing zeros. */
export const formatTokenAmount = (wei: bigint): string => formatUnits(wei, HAVEN_DECIMALS);
