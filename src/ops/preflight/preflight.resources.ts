import { DataSource } from 'typeorm';
import { type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { createHavenPublicClient, type HavenPublicClient } from '../../chain/chain.clients';
import type { AppConfig } from '../../config/app-config';
import { WalletCustody } from '../../custody/wallet-custody.entity';
import { WalletCustodyRepository } from '../../custody/wallet-custody.repository';
import { dataSourceOptions } from '../../database/data-source.options';

/** Statements the checks run are tiny; anything slower means the database is in trouble. */
const PREFLIGHT_STATEMENT_TIMEOUT_MS = 5_000;

/**
 * The connections the checks share, opened on first use and closed once at the end: the
 * database (migrations, and the custody signer's address) and the chain (chain id, code,
 * roles, balance). Built from the service's own factories, so pre-flight reaches each
 * dependency exactly as the service will.
 */
export class PreflightResources {
  private dataSource?: Promise<DataSource>;
  private signer?: Promise<Address>;
  readonly chain: HavenPublicClient;

  constructor(readonly config: AppConfig) {
    // No breaker: pre-flight wants every answer, and its runner bounds each check in time.
    this.chain = createHavenPublicClient({ rpcUrl: config.chain.rpcUrl, chainId: config.chain.chainId });
  }

  /** One pooled connection with the service's options (and the one entity a check reads). */
  database(): Promise<DataSource> {
    this.dataSource ??= new DataSource({
      ...dataSourceOptions(this.config.database.url, 1, { statementTimeoutMs: PREFLIGHT_STATEMENT_TIMEOUT_MS }),
      entities: [WalletCustody],
    }).initialize();
    return this.dataSource;
  }

  /** The address that signs every transaction: the hot key's, or the custody signer wallet's active one. */
  signerAddress(): Promise<Address> {
    this.signer ??= (async () => {
      const { backendPrivateKey, signerWalletId } = this.config.chain;
      if (signerWalletId === undefined) return privateKeyToAccount(backendPrivateKey!).address;
      const address = await new WalletCustodyRepository(await this.database()).activeAddress(signerWalletId);
      if (address === null) throw new SignerNotFoundError(signerWalletId);
      return address as Address;
    })();
    return this.signer;
  }

  async close(): Promise<void> {
    const dataSource = await this.dataSource?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}

/** BACKEND_SIGNER_WALLET_ID names a wallet with no active key: nothing could sign. */
export class SignerNotFoundError extends Error {
  constructor(walletId: string) {
    super(`custody wallet ${walletId} (BACKEND_SIGNER_WALLET_ID) has no active key`);
    this.name = 'SignerNotFoundError';
  }
}
