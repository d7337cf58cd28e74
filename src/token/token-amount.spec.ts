import { maxUint256 } from 'viem';

import { formatTokenAmount, parseTokenAmount } from './token-amount';

describe('token amounts', () => {
  it.each([
    ['1', 10n ** 18n],
    ['0.5', 5n * 10n ** 17n],
    ['1000000.000000000000000001', 10n ** 24n + 1n],
    ['0.000000000000000001', 1n],
  ])('reads %s HAVEN as exact wei', (text, wei) => {
    expect(parseTokenAmount(text)).toBe(wei);
    expect(parseTokenAmount(formatTokenAmount(wei))).toBe(wei);
  });

  it.each(['', '0', '0.0', '-1', '+1', '1e18', '1,5', ' 1', '1 ', '1.', '.5', '01', '0x10', 'abc', 'NaN', 'Infinity'])(
    'refuses "%s" with INVALID_AMOUNT',
    (text) => {
      expect(() => parseTokenAmount(text)).toThrow(expect.objectContaining({ code: 'INVALID_AMOUNT' }));
    },
  );

  it('refuses more than 18 decimals and anything beyond uint256', () => {
    expect(() => parseTokenAmount('1.0000000000000000001')).toThrow(/more than 18 decimals/);
    const tooLarge = formatTokenAmount(maxUint256 + 1n);
    expect(() => parseTokenAmount(tooLarge)).toThrow(/too large/);
    expect(parseTokenAmount(formatTokenAmount(maxUint256))).toBe(maxUint256);
  });

  it('formats without trailing zeros', () => {
    expect(formatTokenAmount(15n * 10n ** 17n)).toBe('1.5');
    expect(formatTokenAmount(10n ** 18n)).toBe('1');
  });
});
