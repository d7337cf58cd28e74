/** Successful polls that must all find none of a batch's hashes. */
const MIN_POLLS = 3;
/** Blocks those polls must span: a node that has counted a block's nonces but not yet indexed its receipts catches up. */
const MIN_BLOCKS = 2n;

interface Observation {
  polls: number;
  firstHead: bigint;
  lastHead: bigint;
  /** Head at the last search for the transaction that took the nonce. */
  searchedAt?: bigint;
}

/**
 * Evidence that the chain passed a batch's nonce without any of its transactions: the nonce
 * is mined, and the node answered `null` (successfully) for every attempt's receipt and
 * transaction, on several polls spanning several blocks. A failed lookup adds nothing; a
 * node that knows any attempt wipes the evidence. Evidence only prompts the search for the
 * transaction that took the nonce (once per new head); it never re-queues anything by itself.
 */
export class AbsenceEvidence {
  private readonly observed = new Map<string, Observation>();

  observe(batchId: string, head: bigint): void {
    const seen = this.observed.get(batchId);
    if (seen === undefined) this.observed.set(batchId, { polls: 1, firstHead: head, lastHead: head });
    else this.observed.set(batchId, { ...seen, polls: seen.polls + 1, lastHead: head > seen.lastHead ? head : seen.lastHead });
  }

  forget(batchId: string): void {
    this.observed.delete(batchId);
  }

  /** Whether to search the chain for the nonce's taker at `head`; records that it will. */
  shouldSearch(batchId: string, head: bigint): boolean {
    const seen = this.observed.get(batchId);
    if (seen === undefined || seen.polls < MIN_POLLS || seen.lastHead - seen.firstHead < MIN_BLOCKS) return false;
    if (seen.searchedAt !== undefined && seen.searchedAt >= head) return false;
    seen.searchedAt = head;
    return true;
  }

  /** Drops what is known of batches not listed: memory follows the batches in flight. */
  retainOnly(batchIds: ReadonlySet<string>): void {
    for (const batchId of this.observed.keys()) if (!batchIds.has(batchId)) this.observed.delete(batchId);
  }

  get size(): number {
    return this.observed.size;
  }
}
