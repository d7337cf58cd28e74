import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Hex } from 'viem';

import { AlertCategory } from '../../alerting/alert.constants';
import { AlertService } from '../../alerting/alert.service';
import { type HavenPublicClient, PUBLIC_CLIENT } from '../../chain/chain.clients';
import { AppConfigService } from '../../config/app-config.service';
import { TransactionRepository } from '../transaction.repository';
import { type BlockLink, CanonicalChain } from './canonical-chain';

/** How long settled transactions stay watched for a reorg deeper than CONFIRMATIONS. */
export const REORG_WATCH_MINUTES = 10;
const MIN_WATCH_BLOCKS = 64n;

/**
 * Finality: a mined batch counts as `confirmed` once CONFIRMATIONS blocks (its own included)
 * sit on the canonical chain; until then it is `mined`. A batch whose block hash is no
 * longer the canonical one at its height went out with a reorg: it goes back in flight
 * (`reorged`) with the same signed bytes, and the confirmer finds where it lands. Only a
 * canonical hash read from the chain decides; a node that does not have the block yet (a
 * lagging one) decides nothing.
 */
@Injectable()
export class FinalityTracker {
  private readonly logger = new Logger(FinalityTracker.name);
  private readonly canonical: CanonicalChain;
  private readonly confirmations: number;
  private readonly watchBlocks: bigint;

  constructor(
    @Inject(PUBLIC_CLIENT) client: HavenPublicClient,
    config: AppConfigService,
    private readonly repository: TransactionRepository,
    private readonly alerts: AlertService,
  ) {
    this.canonical = new CanonicalChain(client);
    this.confirmations = config.get('chain').confirmations;
    const fourTimes = 4n * BigInt(this.confirmations);
    this.watchBlocks = fourTimes > MIN_WATCH_BLOCKS ? fourTimes : MIN_WATCH_BLOCKS;
  }

  /** Blocks below which nothing is watched any more, as of `head`. */
  watchFrom(head: bigint): { sinceBlock: bigint; minutes: number } {
    return { sinceBlock: head > this.watchBlocks ? head - this.watchBlocks : 0n, minutes: REORG_WATCH_MINUTES };
  }

  /** Whether a receipt `confirmations` deep is final. */
  isFinal(confirmations: bigint): boolean {
    return confirmations >= BigInt(this.confirmations);
  }

  async advance(head: BlockLink): Promise<void> {
    const watched = await this.repository.watchedBlocks(this.watchFrom(head.number));
    if (watched.length === 0) return;
    const canonical = await this.canonical.hashesAt(
      head,
      watched.map((block) => block.number),
    );
    const deepening: Hex[] = [];
    for (const block of watched) {
      const hash = canonical.get(block.number);
      if (hash === undefined) continue;
      if (hash === block.hash) {
        if (block.holdsMined) deepening.push(block.hash);
        continue;
      }
      const moved = await this.repository.markReorged(block);
      if (moved.length > 0) {
        this.logger.warn(
          { block: block.number.toString(), was: block.hash, now: hash, batches: moved },
          'block reorged out; its transactions are back in flight',
        );
        this.alerts
          .raise({
            severity: 'warning',
            category: AlertCategory.CHAIN_REORG,
            title: `Chain reorg at block ${block.number}: ${moved.length} transaction(s) back in flight`,
            message:
              `Block ${block.number} (${block.hash}) left the chain for ${hash}; the ${moved.length} transaction(s) of ours it held ` +
              'are back in flight with their signed bytes and will be confirmed where they land. Nothing to do unless reorgs ' +
              'deeper than CONFIRMATIONS keep happening: then raise CONFIRMATIONS or check the node.',
            data: { block_number: block.number.toString(), was: block.hash, now: hash, batches: moved },
            dedupKey: `chain_reorg:${block.hash}`,
          })
          .catch((error: unknown) => this.logger.error({ err: error, block: block.number.toString() }, 'could not record the reorg alert'));
      }
    }
    await this.repository.deepen(deepening, head.number, this.confirmations);
  }
}
