import type { Provider } from '@nestjs/common';
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type HttpTransport,
  type PrivateKeyAccount,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import type { CircuitBreaker } from '../circuit-breaker/circuit-breaker';
import { CircuitBreakerOpenError } from '../circuit-breaker/circuit-breaker.errors';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../config/app-config.service';
import { chainFromId } from './chain.definition';
import { isRpcOutage } from './rpc-outage';

/** Injection tokens: viem clients are plain objects, so they are provided by token, not class. */
export const PUBLIC_CLIENT = Symbol('PUBLIC_CLIENT');
export const WALLET_CLIENT = Symbol('WALLET_CLIENT');
/** A public client for bulk lookups (receipts, transactions): small batches, several in flight. */
export const LOOKUP_CLIENT = Symbol('LOOKUP_CLIENT');

export type HavenPublicClient = PublicClient<HttpTransport, Chain>;
/** Signs with the backend's hot wallet (`BACKEND_PRIVATE_KEY`), which holds the token roles. */
export type BackendWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>;

export interface RpcEndpoint {
  rpcUrl: string;
  chainId: number;
  /** Every JSON-RPC request passes through it when given: reads, sends, receipts, fee data. */
  breaker?: Pick<CircuitBreaker, 'execute'>;
  /** The most calls one JSON-RPC batch carries; more calls made together go as several batches at once. */
  batchSize?: number;
}

const RPC_TIMEOUT_MS = 10_000;
// One quick retry absorbs a dropped connection; more would turn an RPC outage into a retry
// storm and hide it from the `blockchain` circuit breaker, which should see failures fast.
const RPC_RETRY_COUNT = 1;

// Calls made in the same tick (a sender's gas estimates and sends) travel as
// one JSON-RPC batch: one HTTP round trip for hundreds of calls instead of one each.
const RPC_BATCH_SIZE = 200;

/**
 * Calls per JSON-RPC batch on the lookup client. A full batchMint's receipt carries one log
 * per mint (~140 kB for 100 mints); a block's worth in one batch (14 MB for 100) is above
 * viem's 10 MB response limit, and a refused answer settles nothing. 20 stay under 4 MB even
 * with 256-byte reasons, and since viem sends the batches of calls made together at once,
 * a lookup of many receipts is several such batches in flight rather than one after another.
 */
export const LOOKUP_BATCH_SIZE = 20;

/**
 * viem's HTTP transport, with each request (after viem's own retry) run through the breaker.
 * This is the one place every chain call passes, so nothing can bypass the breaker; an open
 * breaker refuses before any connection is made.
 */
function rpcTransport({ rpcUrl, breaker, batchSize = RPC_BATCH_SIZE }: Omit<RpcEndpoint, 'chainId'>): HttpTransport {
  const transport = http(rpcUrl, { timeout: RPC_TIMEOUT_MS, retryCount: RPC_RETRY_COUNT, batch: { batchSize, wait: 0 } });
  if (breaker === undefined) return transport;
  return ((parameters) => {
    const built = transport(parameters);
    const request = (async (args, options) => {
      try {
        return await breaker.execute(() => built.request(args, options));
      } catch (error) {
        throw error instanceof CircuitBreakerOpenError ? new RpcRefusedError(error) : error;
      }
    }) as typeof built.request;
    return { ...built, request };
  }) as HttpTransport;
}

/**
 * The breaker's refusal as viem can carry it: viem reads an error's `details` as the node's
 * message text, while an AppError's `details` is an object. `findOpenBreaker` finds the
 * refusal under it as `cause`.
 */
export class RpcRefusedError extends Error {
  constructor(override readonly cause: CircuitBreakerOpenError) {
    super(cause.message);
    this.name = 'RpcRefusedError';
  }
}

export function createHavenPublicClient({ chainId, ...endpoint }: RpcEndpoint): HavenPublicClient {
  return createPublicClient({ chain: chainFromId(chainId, endpoint.rpcUrl), transport: rpcTransport(endpoint) });
}

/** The client behind LOOKUP_CLIENT: batches of LOOKUP_BATCH_SIZE calls, those made together sent at once. */
export const createHavenLookupClient = (endpoint: RpcEndpoint): HavenPublicClient =>
  createHavenPublicClient({ ...endpoint, batchSize: LOOKUP_BATCH_SIZE });

export function createBackendWalletClient({ rpcUrl, chainId, breaker }: RpcEndpoint, privateKey: Hex): BackendWalletClient {
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: chainFromId(chainId, rpcUrl),
    transport: rpcTransport({ rpcUrl, breaker }),
  });
}

/** The `blockchain` breaker: only an unreachable or failing node counts, never a revert. */
export const BLOCKCHAIN_BREAKER = 'blockchain';

export const chainClientProviders: Provider[] = [
  {
    provide: PUBLIC_CLIENT,
    inject: [AppConfigService, CircuitBreakerRegistry],
    useFactory: (config: AppConfigService, breakers: CircuitBreakerRegistry): HavenPublicClient =>
      createHavenPublicClient({ ...config.get('chain'), breaker: breakers.register(BLOCKCHAIN_BREAKER, isRpcOutage) }),
  },
  {
    provide: LOOKUP_CLIENT,
    inject: [AppConfigService, CircuitBreakerRegistry],
    useFactory: (config: AppConfigService, breakers: CircuitBreakerRegistry): HavenPublicClient =>
      createHavenLookupClient({ ...config.get('chain'), breaker: breakers.register(BLOCKCHAIN_BREAKER, isRpcOutage) }),
  },
  {
    provide: WALLET_CLIENT,
    inject: [AppConfigService, CircuitBreakerRegistry],
    useFactory: (config: AppConfigService, breakers: CircuitBreakerRegistry): BackendWalletClient | null => {
      const chain = config.get('chain');
      // Null when the service signs with a custody wallet and holds no hot key in configuration.
      if (chain.backendPrivateKey === undefined) return null;
      return createBackendWalletClient({ ...chain, breaker: breakers.register(BLOCKCHAIN_BREAKER, isRpcOutage) }, chain.backendPrivateKey);
    },
  },
];
