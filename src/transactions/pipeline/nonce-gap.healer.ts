import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { ProcessRole } from '../../bootstrap/process-role';
import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { NonceManager } from '../../nonce/nonce-manager.service';
import { TransactionRepository } from '../transaction.repository';
import { BackgroundLoop, sleep } from './background-loop';
import { FeeOracle } from './fee.oracle';
import { TransactionSigner } from './transaction.signer';

const INTERVAL_MS = 10_000;
const NOOP_GAS = 21_000n;

/**
 * Finds nonces handed out but never stored (a process died between reserve and store)
 * and gives them back; a hole below stored transactions that no queued request will fill
 * is filled with a zero-value self-transfer, so nothing waits behind it for ever (the
 * permanent "nonce too high" jam of OZ Relayer #683). Runs at start and periodically.
 */
@Injectable()
export class NonceGapHealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NonceGapHealer.name);
  private readonly loop = new BackgroundLoop('NonceGapHealer', () => this.heal(), sleep(INTERVAL_MS));

  constructor(
    @Inject(PUBLIC_CLIENT) private readonly client: HavenPublicClient,
    private readonly repository: TransactionRepository,
    private readonly nonces: NonceManager,
    private readonly signer: TransactionSigner,
    private readonly fees: FeeOracle,
    private readonly role: ProcessRole,
  ) {
    this.nonces.useStoredNonces((address) => this.repository.heldNonces(address, 0n));
  }

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(NonceGapHealer.name, () => this.loop.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async heal(options: { leaseMs?: number } = {}): Promise<'idle'> {
    const address = this.signer.address;
    await this.nonces.reconcile(address, () => this.repository.heldNonces(address, 0n), options);
    const held = await this.repository.heldNonces(address, 0n);
    if (held.length === 0 || (await this.repository.queuedCount()) > 0) return 'idle';
    const ceiling = held.reduce((a, b) => (b > a ? b : a));
    for (
      let nonce = await this.nonces.takeRecycledBelow(address, ceiling);
      nonce !== null;
      nonce = await this.nonces.takeRecycledBelow(address, ceiling)
    ) {
      await this.fillHole(nonce);
    }
    return 'idle';
  }

  private async fillHole(nonce: bigint): Promise<void> {
    const { fees: market } = await this.fees.current();
    // Never capped: a hole blocks every transaction above it (OZ Relayer #808).
    const fees = { maxFeePerGas: market.maxFeePerGas * 2n, maxPriorityFeePerGas: market.maxPriorityFeePerGas * 2n };
    const { raw, hash } = await this.signer.sign({ nonce, to: this.signer.address, data: '0x', gas: NOOP_GAS, fees });
    try {
      await this.client.sendRawTransaction({ serializedTransaction: raw });
      this.logger.warn({ nonce: nonce.toString(), hash }, 'filled a nonce hole with a no-op');
    } catch (error) {
      await this.nonces.release(this.signer.address, [nonce]);
      throw error;
    }
  }
}
