import { Module } from '@nestjs/common';

import { CircuitBreakerModule } from '../circuit-breaker/circuit-breaker.module';
import { chainClientProviders, LOOKUP_CLIENT, PUBLIC_CLIENT, WALLET_CLIENT } from './chain.clients';
import { ChainReader } from './chain.reader';
import { HavenTokenService } from './haven-token.service';

/**
 * The chain as infrastructure: viem clients for `RPC_URL`/`CHAIN_ID`, typed reads of the
 * HAVEN token and chain-level reads for health, every call behind the `blockchain`
 * circuit breaker. Not global: modules that touch the chain
 * import it, so the dependency shows.
 */
@Module({
  imports: [CircuitBreakerModule],
  providers: [...chainClientProviders, ChainReader, HavenTokenService],
  exports: [ChainReader, HavenTokenService, LOOKUP_CLIENT, PUBLIC_CLIENT, WALLET_CLIENT],
})
export class ChainModule {}
