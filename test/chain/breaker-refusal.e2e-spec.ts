import { encodeFunctionData } from 'viem';

import { createHavenPublicClient } from '../../src/chain/chain.clients';
import { havenAbi } from '../../src/chain/haven.abi';
import { CircuitBreakerOpenError, findOpenBreaker } from '../../src/circuit-breaker/circuit-breaker.errors';
import { newAddress } from '../support/chain';

/**
 * viem wraps whatever the transport throws in its own errors, and inspects it on the way;
 * the breaker's refusal must survive every action the service uses, findable and typed.
 */
describe("the breaker's refusal through viem's actions", () => {
  const refusal = new CircuitBreakerOpenError('blockchain', new Date(Date.now() + 30_000));
  const call = jest.fn();
  const client = createHavenPublicClient({
    rpcUrl: 'http://127.0.0.1:1',
    chainId: 31_337,
    breaker: { execute: async () => (call(), Promise.reject(refusal)) },
  });
  const token = newAddress();

  it.each([
    ['getBlock', () => client.getBlock({ blockTag: 'latest' })],
    ['getTransactionCount', () => client.getTransactionCount({ address: token, blockTag: 'pending' })],
    ['readContract', () => client.readContract({ address: token, abi: havenAbi, functionName: 'balanceOf', args: [token] })],
    [
      'estimateGas',
      () => client.estimateGas({ account: token, to: token, data: encodeFunctionData({ abi: havenAbi, functionName: 'symbol' }) }),
    ],
    ['estimateFeesPerGas', () => client.estimateFeesPerGas({ type: 'eip1559' })],
    ['sendRawTransaction', () => client.sendRawTransaction({ serializedTransaction: '0x02' })],
    ['getTransactionReceipt', () => client.getTransactionReceipt({ hash: `0x${'11'.repeat(32)}` })],
  ])("%s fails with the refusal findable under viem's error", async (_action, act) => {
    const error = await act().catch((caught: unknown) => caught);

    expect(findOpenBreaker(error)).toBe(refusal);
  });
});
