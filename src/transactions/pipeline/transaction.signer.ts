import { Injectable } from '@nestjs/common';
import { type Address, type Hex, keccak256 } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

import { AppConfigService } from '../../config/app-config.service';
import type { Fees } from './fee.policy';

export interface UnsignedSend {
  nonce: bigint;
  to: Address;
  data: Hex;
  gas: bigint;
  fees: Fees;
  value?: bigint;
}

/**
 * Signs locally with the hot wallet: no RPC round trip, and the exact bytes (and so the
 * hash) are known before anything is broadcast, which is what makes the write-ahead
 * record possible.
 */
@Injectable()
export class TransactionSigner {
  private readonly account: PrivateKeyAccount;
  private readonly chainId: number;

  constructor(config: AppConfigService) {
    const chain = config.get('chain');
    this.account = privateKeyToAccount(chain.backendPrivateKey);
    this.chainId = chain.chainId;
  }

  get address(): Address {
    return this.account.address;
  }

  async sign(send: UnsignedSend): Promise<{ raw: Hex; hash: Hex }> {
    const raw = await this.account.signTransaction({
      type: 'eip1559',
      chainId: this.chainId,
      nonce: Number(send.nonce),
      to: send.to,
      data: send.data,
      value: send.value ?? 0n,
      gas: send.gas,
      maxFeePerGas: send.fees.maxFeePerGas,
      maxPriorityFeePerGas: send.fees.maxPriorityFeePerGas,
    });
    return { raw, hash: keccak256(raw) };
  }
}
