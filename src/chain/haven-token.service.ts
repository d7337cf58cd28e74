import { Inject, Injectable } from '@nestjs/common';
import { type Address, getContract, type GetContractReturnType, keccak256, toHex } from 'viem';

import { AppConfigService } from '../config/app-config.service';
import { type HavenPublicClient, PUBLIC_CLIENT } from './chain.clients';
import { chainReadFailure } from './chain.errors';
import { havenAbi } from './haven.abi';

/**
 * Reads the HAVEN token at `HAVEN_CONTRACT_ADDRESS`. Amounts are bigint wei (18 decimals).
 * Sending (mint, burn) belongs to the transaction pipeline, which signs with its own nonces.
 */
@Injectable()
export class HavenTokenService {
  private readonly contract: GetContractReturnType<typeof havenAbi, HavenPublicClient>;

  constructor(config: AppConfigService, @Inject(PUBLIC_CLIENT) client: HavenPublicClient) {
    this.contract = getContract({ address: config.get('chain').contractAddress, abi: havenAbi, client });
  }

  get address(): Address {
    return this.contract.address;
  }

  symbol(): Promise<string> {
    return this.read('symbol', () => this.contract.read.symbol());
  }

  decimals(): Promise<number> {
    return this.read('decimals', () => this.contract.read.decimals());
  }

  totalSupply(): Promise<bigint> {
    return this.read('totalSupply', () => this.contract.read.totalSupply());
  }

  balanceOf(account: Address): Promise<bigint> {
    return this.read('balanceOf', () => this.contract.read.balanceOf([account]));
  }

  paused(): Promise<boolean> {
    return this.read('paused', () => this.contract.read.paused());
  }

  /** Whether `account` holds `role` (named as in the contract: MINTER_ROLE, BURNER_ROLE, PAUSER_ROLE). */
  hasRole(role: 'MINTER_ROLE' | 'BURNER_ROLE' | 'PAUSER_ROLE', account: Address): Promise<boolean> {
    return this.read('hasRole', () => this.contract.read.hasRole([keccak256(toHex(role)), account]));
  }

  private async read<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw chainReadFailure(operation, error);
    }
  }
}
