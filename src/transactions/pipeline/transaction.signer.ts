import { Injectable, OnModuleInit } from '@nestjs/common';
import { type Address, type Hex, keccak256 } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';

import { AppConfigService } from '../../config/app-config.service';
import { WalletCustodyService } from '../../custody/wallet-custody.service';
import type { Fees } from './fee.policy';

export interface UnsignedSend {
  nonce: bigint;
  to: Address;
  data: Hex;
  gas: bigint;
  fees: Fees;
  value?: bigint;
}

export interface SignedSend {
  raw: Hex;
  hash: Hex;
}

/** Who the pipeline's transactions are from, as the audit trail names it. */
const PIPELINE_ACTOR = { actor: 'pipeline' };

/**
 * Signs locally: no RPC round trip, and the exact bytes (and so the hash) are known before
 * anything is broadcast, which is what makes the write-ahead record possible. The key is
 * `BACKEND_PRIVATE_KEY`, or, with `BACKEND_SIGNER_WALLET_ID`, a custody wallet's: then it is
 * opened once per batch of sends (one HIGH audit row per batch) and wiped after.
 */
@Injectable()
export class TransactionSigner implements OnModuleInit {
  private readonly account?: PrivateKeyAccount;
  private readonly walletId?: string;
  private readonly chainId: number;
  private custodyAddress?: Address;

  constructor(
    config: AppConfigService,
    private readonly custody: WalletCustodyService,
  ) {
    const chain = config.get('chain');
    this.chainId = chain.chainId;
    this.walletId = chain.signerWalletId;
    if (this.walletId === undefined) {
      if (chain.backendPrivateKey === undefined) throw new Error('BACKEND_PRIVATE_KEY or BACKEND_SIGNER_WALLET_ID is required to sign');
      this.account = privateKeyToAccount(chain.backendPrivateKey);
    }
  }

  /**
   * The custody signer's address is read once at start; another signer means another
   * `BACKEND_SIGNER_WALLET_ID` and a restart (rotating it in place is refused by custody).
   */
  async onModuleInit(): Promise<void> {
    if (this.walletId === undefined) return;
    const address = await this.custody.activeAddress(this.walletId);
    if (address === null) throw new Error(`BACKEND_SIGNER_WALLET_ID '${this.walletId}' has no active custody wallet`);
    this.custodyAddress = address;
  }

  get address(): Address {
    return this.account?.address ?? this.custodyAddress!;
  }

  async sign(send: UnsignedSend): Promise<SignedSend> {
    return (await this.signAll([send]))[0];
  }

  /** Signs a batch with one opening of the key. */
  async signAll(sends: readonly UnsignedSend[]): Promise<SignedSend[]> {
    if (sends.length === 0) return [];
    if (this.account !== undefined) return Promise.all(sends.map((send) => this.signWith(this.account!, send)));
    return this.custody.withSigner(this.walletId!, PIPELINE_ACTOR, `sign ${sends.length} transaction(s)`, (account) =>
      Promise.all(sends.map((send) => this.signWith(account, send))),
    );
  }

  private async signWith(account: PrivateKeyAccount, send: UnsignedSend): Promise<SignedSend> {
    const raw = await account.signTransaction({
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
