import { parse } from 'lossless-json';
import { maxUint256 } from 'viem';

import { legacyAmountToWei, plainDecimal } from './legacy-amount';

/** The amount as the lossless parser hands it over from a request's JSON text. */
const number = (text: string): unknown => (parse(`{"amount": ${text}}`) as { amount: unknown }).amount;

describe('legacy amounts (the Python backend’s JSON numbers)', () => {
  it.each([
    ['12.345678901234567891', 12_345_678_901_234_567_891n],
    ['1', 10n ** 18n],
    ['12', 12n * 10n ** 18n],
    ['1.0', 10n ** 18n],
    ['0.000000000000000001', 1n],
    ['1e-18', 1n],
    ['1E3', 1000n * 10n ** 18n],
    ['1e+2', 100n * 10n ** 18n],
    ['1.5e-3', 15n * 10n ** 14n],
    ['1e-05', 10n ** 13n],
    ['0.1', 10n ** 17n],
    ['123456789.123456789123456789', 123_456_789_123_456_789_123_456_789n],
    ['100e-20', 1n],
  ])('reads the JSON number %s as exactly %s wei', (text, wei) => {
    expect(legacyAmountToWei(number(text))).toBe(wei);
  });

  it('reads the largest uint256 amount written as a JSON number, and refuses one wei more', () => {
    const text = '115792089237316195423570985008687907853269984665640564039457.584007913129639935';
    expect(legacyAmountToWei(number(text))).toBe(maxUint256);
    expect(() => legacyAmountToWei(number(text.replace(/5$/, '6')))).toThrow(/too large/);
  });

  it('accepts a JSON string in the modern routes’ plain decimal form', () => {
    expect(legacyAmountToWei('12.5')).toBe(125n * 10n ** 17n);
  });

  it.each([
    ['1e-19', /more than 18 decimals/],
    ['0.0000000000000000001', /more than 18 decimals/],
    ['12.3456789012345678901', /more than 18 decimals/],
    ['1.5e-18', /more than 18 decimals/],
    ['0', /greater than zero/],
    ['0.0', /greater than zero/],
    ['0e5', /greater than zero/],
    ['-0', /greater than zero/],
    ['-1', /greater than zero/],
    ['-1e-30', /greater than zero/],
    ['1e400', /too large/],
    ['1e999999999999999999999', /too large/],
    ['9'.repeat(90), /too large/],
  ])('refuses the JSON number %s with INVALID_AMOUNT (%s)', (text, reason) => {
    expect(() => legacyAmountToWei(number(text))).toThrow(expect.objectContaining({ code: 'INVALID_AMOUNT' }) as Error);
    expect(() => legacyAmountToWei(number(text))).toThrow(reason);
  });

  it.each([['abc'], ['1e3'], ['-1'], [' 5'], ['']])('refuses the JSON string "%s" with INVALID_AMOUNT', (text) => {
    expect(() => legacyAmountToWei(text)).toThrow(expect.objectContaining({ code: 'INVALID_AMOUNT' }) as Error);
  });

  it.each([[true], [null], [{}], [[1]], [12.5], [undefined]])('refuses %p, which is neither a JSON number nor a string', (value) => {
    expect(() => legacyAmountToWei(value)).toThrow(expect.objectContaining({ code: 'INVALID_AMOUNT' }) as Error);
  });

  it('refuses number text outside the JSON grammar, should any reach it', () => {
    expect(() => plainDecimal('01')).toThrow(/not a number/);
    expect(() => plainDecimal('1.')).toThrow(/not a number/);
    expect(() => plainDecimal('Infinity')).toThrow(/not a number/);
  });
});
