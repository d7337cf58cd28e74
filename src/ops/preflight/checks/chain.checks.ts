import { type CheckRow, fail, pass, type PreflightCheck } from '../preflight.check';
import type { PreflightResources } from '../preflight.resources';

/** The RPC node answers, and for the chain CHAIN_ID names: a mainnet key sent to a testnet (or back) stops here. */
export function rpcCheck({ chain, config }: PreflightResources): PreflightCheck {
  return {
    name: 'rpc',
    async run(): Promise<CheckRow> {
      const actual = await chain.getChainId();
      const expected = config.chain.chainId;
      if (actual !== expected) return fail('rpc', `chain id mismatch: CHAIN_ID is ${expected}, the RPC node answers ${actual}`);
      return pass('rpc', `reachable, chain id ${actual}`);
    },
  };
}

/** Something is deployed at HAVEN_CONTRACT_ADDRESS on that chain (an address on the wrong chain has no code). */
export function contractCheck({ chain, config }: PreflightResources): PreflightCheck {
  const address = config.chain.contractAddress;
  return {
    name: 'contract',
    async run(): Promise<CheckRow> {
      const code = await chain.getCode({ address });
      if (code === undefined || code === '0x') return fail('contract', `no contract code at ${address}`);
      return pass('contract', `code present at ${address} (${(code.length - 2) / 2} bytes)`);
    },
  };
}
