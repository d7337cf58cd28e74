import { ContractFunctionRevertedError, HttpRequestError, LimitExceededRpcError, RpcRequestError, TimeoutError } from 'viem';

import { havenAbi } from './haven.abi';
import { isRpcOutage } from './rpc-outage';

describe('isRpcOutage: what counts against the blockchain breaker', () => {
  const url = 'http://127.0.0.1:8545';

  it.each([
    ['a refused or dropped connection', new HttpRequestError({ url, cause: new Error('fetch failed') })],
    ['a gateway error', new HttpRequestError({ url, status: 502 })],
    ['rate limiting', new HttpRequestError({ url, status: 429 })],
    ['a timeout', new TimeoutError({ body: {}, url })],
    [
      'the node saying it is over its limits',
      new LimitExceededRpcError(new RpcRequestError({ body: {}, url, error: { code: -32005, message: 'limit' } })),
    ],
    ['a raw socket error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('counts %s', (_label, error) => {
    expect(isRpcOutage(error)).toBe(true);
  });

  it.each([
    ['a revert', new ContractFunctionRevertedError({ abi: havenAbi, functionName: 'mint' })],
    [
      'an answered JSON-RPC error (nonce too low)',
      new RpcRequestError({ body: {}, url, error: { code: -32000, message: 'nonce too low' } }),
    ],
    ['a client error status', new HttpRequestError({ url, status: 400 })],
    ['anything else', new Error('boom')],
  ])('does not count %s', (_label, error) => {
    expect(isRpcOutage(error)).toBe(false);
  });
});
