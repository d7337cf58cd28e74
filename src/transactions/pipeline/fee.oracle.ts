import { Inject, Injectable } from '@nestjs/common';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import type { MarketFees } from './fee.policy';

/** Fees change per block; one read serves every send signed within it. */
const CACHE_MS = 1_000;
/**
 * Headroom over the latest base fee for the blocks a send may wait. A full block raises the
 * base fee by up to 12.5 % (EIP-1559 as Ethereum and anvil run it; Base's parameters allow
 * less), and under our own load sends wait a block or two. viem's 120 % was spent after two
 * full blocks: the lowest nonce waiting could not be mined, every later one waited behind it,
 * and blocks went by empty until the base fee fell back. 200 % (ethers' default) lasts five
 * full blocks in a row. It is a cap, not a price: a send pays the base fee of its block.
 */
const BASE_FEE_HEADROOM_PERCENT = 200n;

/**
 * The market's fees: the latest block's base fee and the node's suggested tip, read together
 * (one JSON-RPC batch). The base fee is kept apart because the fee cap is judged on it.
 */
@Injectable()
export class FeeOracle {
  private cached?: { market: MarketFees; at: number };
  private inFlight?: Promise<MarketFees>;

  constructor(@Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient) {}

  async current(): Promise<MarketFees> {
    if (this.cached !== undefined && Date.now() - this.cached.at < CACHE_MS) return this.cached.market;
    this.inFlight ??= this.read()
      .then((market) => {
        this.cached = { market, at: Date.now() };
        return market;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async read(): Promise<MarketFees> {
    const [block, tip] = await Promise.all([this.client.getBlock({ blockTag: 'latest' }), this.client.estimateMaxPriorityFeePerGas()]);
    const baseFeePerGas = block.baseFeePerGas ?? 0n;
    return {
      baseFeePerGas,
      blockNumber: block.number,
      fees: { maxFeePerGas: (baseFeePerGas * BASE_FEE_HEADROOM_PERCENT) / 100n + tip, maxPriorityFeePerGas: tip },
    };
  }
}
