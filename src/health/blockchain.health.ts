import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

import { ChainReader } from '../chain/chain.reader';
import { AppConfigService } from '../config/app-config.service';

/**
 * The chain is healthy when the node answers with a recent block and the configured
 * contract answers as HAVEN — a wrong address or chain shows up here, not on the first mint.
 */
@Injectable()
export class BlockchainHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly chain: ChainReader,
    private readonly config: AppConfigService,
  ) {}

  check(timeoutMs: number) {
    return this.health
      .check('blockchain')
      .attempt(async () => {
        const [block, symbol] = await Promise.all([this.chain.latestBlock(), this.chain.tokenSymbol()]);
        return {
          chain_id: this.config.get('chain').chainId,
          latest_block: block.number.toString(),
          block_age_seconds: Math.max(0, Math.round(Date.now() / 1000 - Number(block.timestamp))),
          token_symbol: symbol,
        };
      })
      .withTimeout(timeoutMs);
  }
}
