import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

import { BLOCKCHAIN_BREAKER, type HavenPublicClient } from '../chain/chain.clients';
import { chainReadFailure } from '../chain/chain.errors';
import { havenAbi } from '../chain/haven.abi';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../config/app-config.service';
import { PROBE_CHAIN_CLIENT } from './probe-chain.client';

/**
 * The chain is healthy when the node answers with a recent block and the configured
 * contract answers as HAVEN — a wrong address or chain shows up here, not on the first mint.
 *
 * A probe never moves the `blockchain` breaker: while it is open the check reports it and
 * asks the node nothing; otherwise it asks the node through the probe client, which records
 * neither failure nor success on the breaker.
 */
@Injectable()
export class BlockchainHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(PROBE_CHAIN_CLIENT) private readonly client: HavenPublicClient,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly config: AppConfigService,
  ) {}

  async check(timeoutMs: number) {
    const breaker = this.breakers.get(BLOCKCHAIN_BREAKER);
    if (breaker?.snapshot.state === 'open') {
      return this.health.check('blockchain').down({
        message: 'breaker open',
        breaker: 'open',
        retry_at: breaker.retryAt?.toISOString() ?? null,
      });
    }
    const { chainId, contractAddress } = this.config.get('chain');
    return this.health
      .check('blockchain')
      .attempt(async () => {
        const [block, symbol] = await Promise.all([
          this.read('getBlock', () => this.client.getBlock({ blockTag: 'latest' })),
          this.read('symbol', () => this.client.readContract({ address: contractAddress, abi: havenAbi, functionName: 'symbol' })),
        ]);
        return {
          chain_id: chainId,
          latest_block: block.number.toString(),
          block_age_seconds: Math.max(0, Math.round(Date.now() / 1000 - Number(block.timestamp))),
          token_symbol: symbol,
        };
      })
      .withTimeout(timeoutMs);
  }

  /** viem's own messages quote the RPC URL, which may carry a provider key: only the short form is shown. */
  private async read<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw chainReadFailure(operation, error);
    }
  }
}
