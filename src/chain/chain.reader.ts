import { Inject, Injectable } from '@nestjs/common';

import { type HavenPublicClient, PUBLIC_CLIENT } from './chain.clients';
import { chainReadFailure } from './chain.errors';
import { HavenTokenService } from './haven-token.service';

export interface BlockHead {
  number: bigint;
  /** Unix seconds. */
  timestamp: bigint;
}

/** Chain-level reads for probes and monitoring: is the node live, and is HAVEN where we think. */
@Injectable()
export class ChainReader {
  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly token: HavenTokenService,
  ) {}

  async latestBlock(): Promise<BlockHead> {
    try {
      const { number, timestamp } = await this.client.getBlock({ blockTag: 'latest' });
      return { number, timestamp };
    } catch (error) {
      throw chainReadFailure('getBlock', error);
    }
  }

  tokenSymbol(): Promise<string> {
    return this.token.symbol();
  }
}
