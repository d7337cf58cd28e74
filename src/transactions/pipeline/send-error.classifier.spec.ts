import { classifySendError, describeError } from './send-error.classifier';

const nested = (message: string) => ({ shortMessage: 'RPC Request failed.', cause: { details: message } });

describe('classifySendError', () => {
  it.each([
    ['already known', 'accepted'],
    ['Known transaction: 0xabc', 'accepted'],
    ['nonce too low: next nonce 12, tx nonce 11', 'nonce_too_low'],
    ['replacement transaction underpriced', 'replacement_underpriced'],
    ['insufficient funds for gas * price + value', 'insufficient_funds'],
    ['transaction underpriced', 'underpriced'],
    ['max fee per gas less than block base fee: address 0x1, maxFeePerGas: 1 baseFee: 2', 'underpriced'],
    ['fee cap less than block base fee', 'underpriced'],
    ['replacement transaction underpriced', 'replacement_underpriced'],
    ['exceeds block gas limit', 'rejected'],
    ['intrinsic gas too low', 'rejected'],
    ['request timed out', 'unknown'],
    ['socket hang up', 'unknown'],
  ] as const)('reads "%s" as %s, however deeply viem nests it', (message, outcome) => {
    expect(classifySendError(new Error(message))).toBe(outcome);
    expect(classifySendError(nested(message))).toBe(outcome);
  });

  it('never repeats the RPC URL viem puts in its messages', () => {
    const error = { shortMessage: 'HTTP request failed.', details: 'URL: https://base-mainnet.example.com/v2/provider-key-123' };
    expect(describeError(error)).not.toContain('provider-key-123');
  });

  it('treats anything it does not recognise as an unknown outcome, never as "not sent"', () => {
    expect(classifySendError(undefined)).toBe('unknown');
    expect(classifySendError('weird')).toBe('unknown');
  });
});
