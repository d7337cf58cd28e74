import { classifySendError } from './send-error.classifier';

const nested = (message: string) => ({ shortMessage: 'RPC Request failed.', cause: { details: message } });

describe('classifySendError', () => {
  it.each([
    ['already known', 'accepted'],
    ['Known transaction: 0xabc', 'accepted'],
    ['nonce too low: next nonce 12, tx nonce 11', 'nonce_too_low'],
    ['replacement transaction underpriced', 'replacement_underpriced'],
    ['insufficient funds for gas * price + value', 'insufficient_funds'],
    ['exceeds block gas limit', 'rejected'],
    ['intrinsic gas too low', 'rejected'],
    ['request timed out', 'unknown'],
    ['socket hang up', 'unknown'],
  ] as const)('reads "%s" as %s, however deeply viem nests it', (message, outcome) => {
    expect(classifySendError(new Error(message))).toBe(outcome);
    expect(classifySendError(nested(message))).toBe(outcome);
  });

  it('treats anything it does not recognise as an unknown outcome, never as "not sent"', () => {
    expect(classifySendError(undefined)).toBe('unknown');
    expect(classifySendError('weird')).toBe('unknown');
  });
});
