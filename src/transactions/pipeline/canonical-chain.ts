import type { Hex } from 'viem';

import type { HavenPublicClient } from '../../chain/chain.clients';

export interface BlockLink {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
}

/**
 * The hashes of recent canonical blocks, kept linked by parent hash from the head down, so
 * that watching settled transactions for reorgs costs one read per new block rather than one
 * per watched block per poll. A broken link (a reorg, or nodes behind a balancer on different
 * forks) empties the cache and the answer is withheld until a later poll sees one chain.
 */
export class CanonicalChain {
  private readonly blocks = new Map<bigint, BlockLink>();

  constructor(private readonly client: HavenPublicClient) {}

  /**
   * Canonical hash at each of `heights` at or below `head`; heights above it are left out.
   * Throws if a block cannot be read; answers empty if the chain read so far does not link.
   */
  async hashesAt(head: BlockLink, heights: readonly bigint[]): Promise<Map<bigint, Hex>> {
    const wanted = heights.filter((height) => height <= head.number);
    if (wanted.length === 0) return new Map();
    const low = wanted.reduce((a, b) => (b < a ? b : a));
    for (const height of this.blocks.keys()) if (height < low || height >= head.number) this.blocks.delete(height);
    this.blocks.set(head.number, head);
    const missing: bigint[] = [];
    for (let height = low; height < head.number; height++) if (!this.blocks.has(height)) missing.push(height);
    const fetched = await Promise.all(missing.map((blockNumber) => this.client.getBlock({ blockNumber })));
    for (const block of fetched) this.blocks.set(block.number, { number: block.number, hash: block.hash, parentHash: block.parentHash });
    for (let height = head.number; height > low; height--) {
      if (this.blocks.get(height - 1n)!.hash !== this.blocks.get(height)!.parentHash) {
        this.blocks.clear();
        return new Map();
      }
    }
    return new Map(wanted.map((height) => [height, this.blocks.get(height)!.hash]));
  }
}
