import { Inject, Injectable } from '@nestjs/common';

import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import type { Fees } from './fee.policy';

/** Fees change per block; one read serves every send signed within it. */
const CACHE_MS = 1_000;

@Injectable()
export class FeeOracle {
  private cached?: { fees: Fees; at: number };
  private inFlight?: Promise<Fees>;

  constructor(@Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient) {}

  async current(): Promise<Fees> {
    if (this.cached !== undefined && Date.now() - this.cached.at < CACHE_MS) return this.cached.fees;
    this.inFlight ??= this.client
      .estimateFeesPerGas({ type: 'eip1559' })
      .then(({ maxFeePerGas, maxPriorityFeePerGas }) => {
        const fees = { maxFeePerGas, maxPriorityFeePerGas };
        this.cached = { fees, at: Date.now() };
        return fees;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}
