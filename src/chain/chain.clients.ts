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

import { AppConfigService } from '../config/app-config.service';
import { chainFromId } from './chain.definition';

/** Injection tokens: viem clients are plain objects, so they are provided by token, not class. */
export const PUBLIC_CLIENT = Symbol('PUBLIC_CLIENT');
export const WALLET_CLIENT = Symbol('WALLET_CLIENT');

export type HavenPublicClient = PublicClient<HttpTransport, Chain>;
/** Signs with the backend's hot wallet (`BACKEND_PRIVATE_KEY`), which holds the token roles. */
export type BackendWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>;

export interface RpcEndpoint {
  rpcUrl: string;
  chainId: number;
}

const RPC_TIMEOUT_MS = 10_000;
// One quick retry absorbs a dropped connection; more would turn an RPC outage into a retry
// storm and hide it from the `blockchain` circuit breaker, which should see failures fast.
const RPC_RETRY_COUNT = 1;

// Calls made in the same tick (a sender's gas estimates, a confirmer's receipts) travel as
// one JSON-RPC batch: one HTTP round trip for hundreds of calls instead of one each.
const RPC_BATCH = { batchSize: 200, wait: 0 };

function rpcTransport(rpcUrl: string): HttpTransport {
  return http(rpcUrl, { timeout: RPC_TIMEOUT_MS, retryCount: RPC_RETRY_COUNT, batch: RPC_BATCH });
}

export function createHavenPublicClient({ rpcUrl, chainId }: RpcEndpoint): HavenPublicClient {
  return createPublicClient({ chain: chainFromId(chainId, rpcUrl), transport: rpcTransport(rpcUrl) });
}

export function createBackendWalletClient({ rpcUrl, chainId }: RpcEndpoint, privateKey: Hex): BackendWalletClient {
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: chainFromId(chainId, rpcUrl),
    transport: rpcTransport(rpcUrl),
  });
}

export const chainClientProviders: Provider[] = [
  {
    provide: PUBLIC_CLIENT,
    inject: [AppConfigService],
    useFactory: (config: AppConfigService): HavenPublicClient => createHavenPublicClient(config.get('chain')),
  },
  {
    provide: WALLET_CLIENT,
    inject: [AppConfigService],
    useFactory: (config: AppConfigService): BackendWalletClient => {
      const chain = config.get('chain');
      return createBackendWalletClient(chain, chain.backendPrivateKey);
    },
  },
];
