import type { Provider } from '@nestjs/common';
import { createPublicClient, http, type HttpTransport } from 'viem';

import { BLOCKCHAIN_BREAKER, type HavenPublicClient, RpcRefusedError } from '../chain/chain.clients';
import { chainFromId } from '../chain/chain.definition';
import type { CircuitBreaker } from '../circuit-breaker/circuit-breaker';
import { CircuitBreakerOpenError } from '../circuit-breaker/circuit-breaker.errors';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../config/app-config.service';

/** The chain client `/health` reads through; see `createProbeChainClient`. */
export const PROBE_CHAIN_CLIENT = Symbol('PROBE_CHAIN_CLIENT');

/** A probe's read is abandoned after this long: no hung request outlives the probe by much. */
const PROBE_RPC_TIMEOUT_MS = 1_000;

/**
 * A viem client for probes. It reads the `blockchain` breaker's state but never writes it:
 * while the breaker is open every request is refused before any connection is made (as the
 * breaker itself would), otherwise it goes straight to the node, and neither its failure nor
 * its success is recorded. So no number of `/health` calls can open the breaker, or close
 * it: only the service's own work decides that. No retries, a short timeout, and calls made
 * in the same tick share one HTTP request.
 */
export function createProbeChainClient(chain: { rpcUrl: string; chainId: number }, breaker: CircuitBreaker | undefined): HavenPublicClient {
  const transport = http(chain.rpcUrl, { timeout: PROBE_RPC_TIMEOUT_MS, retryCount: 0, batch: { wait: 0 } });
  const readOnlyBreaker: HttpTransport = ((parameters) => {
    const built = transport(parameters);
    const request = (async (args, options) => {
      if (breaker?.snapshot.state === 'open') {
        throw new RpcRefusedError(new CircuitBreakerOpenError(breaker.name, breaker.retryAt ?? new Date()));
      }
      return built.request(args, { ...options, retryCount: 0 });
    }) as typeof built.request;
    return { ...built, request };
  }) as HttpTransport;
  return createPublicClient({ chain: chainFromId(chain.chainId, chain.rpcUrl), transport: readOnlyBreaker });
}

export const probeChainClientProvider: Provider = {
  provide: PROBE_CHAIN_CLIENT,
  inject: [AppConfigService, CircuitBreakerRegistry],
  useFactory: (config: AppConfigService, breakers: CircuitBreakerRegistry): HavenPublicClient =>
    createProbeChainClient(config.get('chain'), breakers.get(BLOCKCHAIN_BREAKER)),
};
