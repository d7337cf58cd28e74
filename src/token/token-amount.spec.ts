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

  it.each([
    ['1.0', 10n ** 18n],
    ['0.500000000000000000', 5n * 10n ** 17n],
    ['115792089237316195423570985008687907853269984665640564039457.584007913129639935', maxUint256],
  ])('accepts trailing zeros: %s is the same amount as its shortest spelling', (text, wei) => {
    expect(parseTokenAmount(text)).toBe(wei);
  });

  it.each([1n, 999n, 10n ** 17n, 10n ** 18n - 1n, 123456789012345678901234567890n, maxUint256 - 1n, maxUint256])(
    'round-trips %s wei through its decimal string',
    (wei) => {
      const text = formatTokenAmount(wei);
      expect(text).not.toMatch(/\.\d*0$/);
      expect(parseTokenAmount(text)).toBe(wei);
      expect(formatTokenAmount(parseTokenAmount(text))).toBe(text);
    },
  );

  it.each([
    ...['', '0', '0.0', '0.000000000000000000', '-1', '-0.5', '+1', '1e18', '1E3', '1,5', '1_000', ' 1', '1 ', '1.', '.5'],
    ...['01', '00.5', '1.5.5', '0x10', 'abc', 'NaN', 'Infinity', '１', '1\n'],
  ])('refuses "%s" with INVALID_AMOUNT', (text) => {
    expect(() => parseTokenAmount(text)).toThrow(expect.objectContaining({ code: 'INVALID_AMOUNT' }) as Error);
  });

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
