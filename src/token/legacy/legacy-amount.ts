import { isLosslessNumber } from 'lossless-json';

import { InvalidAmountError } from '../token.errors';
import { HAVEN_DECIMALS, parseTokenAmount } from '../token-amount';

// The JSON grammar of a number (RFC 8259), which the lossless parser has already enforced.
const JSON_NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
// uint256 has 78 digits: a value with more integer digits than that is refused before its
// digits are written out, so an exponent such as 1e999999999 costs nothing.
const MAX_DIGITS = 78n;

/**
 * The `amount` of a Python backend request, as exact wei. A JSON number is read from its own
 * digits (kept by the lossless parser), exponent included, and accepted only if it is an
 * exact number of wei; a JSON string must be a plain decimal, as on the modern routes.
 * Anything else, zero or negative, more than 18 decimals or beyond uint256: INVALID_AMOUNT.
 */
export function legacyAmountToWei(amount: unknown): bigint {
  if (isLosslessNumber(amount)) return parseTokenAmount(plainDecimal(amount.value));
  if (typeof amount === 'string') return parseTokenAmount(amount);
  throw new InvalidAmountError('must be a JSON number or a decimal string');
}

/** A JSON number's text as a plain decimal with the same value, e.g. `1.5e-3` → `0.0015`. */
export function plainDecimal(text: string): string {
  const match = JSON_NUMBER.exec(text);
  if (match === null) throw new InvalidAmountError('not a number');
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') throw new InvalidAmountError('must be greater than zero');
  if (sign === '-') throw new InvalidAmountError('must be greater than zero');
  // value = significant × 10^shift, with the significant digits' trailing zeros moved into shift.
  const significant = digits.replace(/0+$/, '');
  const shift = BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - significant.length);
  if (shift < -BigInt(HAVEN_DECIMALS)) throw new InvalidAmountError(`more than ${HAVEN_DECIMALS} decimals`);
  if (BigInt(significant.length) + shift > MAX_DIGITS) throw new InvalidAmountError('too large');
  if (shift >= 0n) return significant + '0'.repeat(Number(shift));
  const point = significant.length + Number(shift);
  return point > 0 ? `${significant.slice(0, point)}.${significant.slice(point)}` : `0.${'0'.repeat(-point)}${significant}`;
}
