import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { getAddress, type Address } from 'viem';

import { WalletCustody } from './wallet-custody.entity';

/** Read-only: which address a user's active custodial wallet has, for requests that omit one. */
@Injectable()
export class CustodyWalletDirectory {
  constructor(@InjectRepository(WalletCustody) private readonly wallets: Repository<WalletCustody>) {}

  async activeAddress(walletId: string): Promise<Address | null> {
    const wallet = await this.wallets.findOne({ where: { walletId, status: 'active' }, select: { walletAddress: true } });
    return wallet === null ? null : getAddress(wallet.walletAddress);
  }
}
