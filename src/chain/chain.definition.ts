import { type Chain, defineChain } from 'viem';
import { anvil, base, baseSepolia } from 'viem/chains';

// viem polls every half block time and assumes 12 s blocks when a chain states none, which
// would make receipts on a local chain (2 s blocks, like Base) arrive up to 4 s late.
const LOCAL_BLOCK_TIME_MS = 2_000;

const KNOWN_CHAINS: readonly Chain[] = [base, baseSepolia, { ...anvil, blockTime: LOCAL_BLOCK_TIME_MS }];

/**
 * The viem chain for `CHAIN_ID`. Base and Base Sepolia come with viem's OP-stack formatters
 * (deposit transactions, L1 fee fields), so they are used whenever the id matches; any other
 * id (a private devnet) gets a minimal definition. Clients always use the configured RPC
 * URL, never a chain's public default.
 */
export function chainFromId(chainId: number, rpcUrl: string): Chain {
  const known = KNOWN_CHAINS.find((chain) => chain.id === chainId);
  if (known !== undefined) return known;
  return defineChain({
    id: chainId,
    name: `Chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    blockTime: LOCAL_BLOCK_TIME_MS,
  });
}
