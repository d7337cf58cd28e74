import { encodeErrorResult } from 'viem';

import { havenAbi } from './haven.abi';
import { describeRevert } from './revert-reason';

const holder = '0x00000000000000000000000000000000000000AA';
const revertData = encodeErrorResult({ abi: havenAbi, errorName: 'ERC20InsufficientBalance', args: [holder, 3n, 4n] });

describe('describeRevert', () => {
  it('decodes HAVEN custom errors from the node message viem wraps', () => {
    const error = {
      shortMessage: 'Execution reverted',
      cause: { details: `execution reverted: custom error ${revertData.slice(0, 10)}: ${revertData.slice(10)}` },
    };

    expect(describeRevert(error)).toBe(`ERC20InsufficientBalance(${holder}, 3, 4)`);
  });

  it('decodes revert data carried as a field', () => {
    expect(describeRevert({ cause: { data: revertData } })).toBe(`ERC20InsufficientBalance(${holder}, 3, 4)`);
  });

  it('says so when the selector is not HAVEN’s, and returns nothing when there is no revert data', () => {
    expect(describeRevert({ data: '0xdeadbeef' })).toBe('unknown revert 0xdeadbeef');
    expect(describeRevert(new Error('timeout'))).toBeUndefined();
  });
});
