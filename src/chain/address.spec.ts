import { randomBytes } from 'node:crypto';

import { getAddress, isAddress } from 'viem';

import { parseAddress } from './address';

/** viem's answer, which `parseAddress` must give exactly. */
const viemAnswer = (text: string) => (isAddress(text) ? getAddress(text) : undefined);

/** `text` with each hex letter's case flipped at random. */
const scrambled = (text: string) =>
  `0x${[...text.slice(2)].map((digit) => (Math.random() < 0.5 ? digit.toUpperCase() : digit.toLowerCase())).join('')}`;

describe('parseAddress', () => {
  it('checksums a lower-case address as EIP-55 does (its own test vectors)', () => {
    for (const checksummed of [
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
      '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
      '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
    ]) {
      expect(parseAddress(checksummed.toLowerCase())).toBe(checksummed);
      expect(parseAddress(checksummed)).toBe(checksummed);
    }
  });

  it('refuses a mixed-case spelling that is not the checksum, and anything not an address', () => {
    expect(parseAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toBeUndefined();
    for (const text of [
      '',
      '0x',
      '5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      '0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae',
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd',
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg',
      ' 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
    ])
      expect(parseAddress(text)).toBeUndefined();
  });

  it("gives viem's answer for random addresses in every spelling", () => {
    for (let i = 0; i < 2_000; i++) {
      const lower = `0x${randomBytes(20).toString('hex')}`;
      const checksummed = getAddress(lower);
      for (const text of [lower, checksummed, `0x${lower.slice(2).toUpperCase()}`, scrambled(lower)])
        expect(parseAddress(text)).toBe(viemAnswer(text));
    }
  });
});
