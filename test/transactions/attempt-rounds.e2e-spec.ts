import type { DataSource } from 'typeorm';
import { type Address, type Hex, keccak256, toHex } from 'viem';

import type { SignedAttempt } from '../../src/transactions/pipeline/pipeline.records';
import { TransactionRepository } from '../../src/transactions/transaction.repository';
import { TransactionAttempt } from '../../src/transactions/transaction-attempt.entity';
import { TransactionBatchStore } from '../../src/transactions/transaction-batch.store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newMintRequest, pipelineDataSource } from '../support/factories';

const SENDER: Address = '0x3434343434343434343434343434343434343434';

const hashOf = (label: string): Hex => keccak256(toHex(label));

const attempt = (batchId: string, nonce: bigint, label: string, purpose: SignedAttempt['purpose']): SignedAttempt => ({
  batchId,
  nonce,
  hash: hashOf(label),
  raw: toHex(label),
  fees: { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000n },
  gasLimit: 100_000n,
  purpose,
});

/**
 * Attempts are stored under their batch's lead request, and a batch whose requests went back
 * to the queue is usually led by the same request when it is signed again. The attempts of
 * the earlier round, one of them mined at the earlier nonce, must stay history: if a later
 * receipt relabelled them, or a later reorg put them back in flight, the confirmer would find
 * the old cancel's receipt for the new batch and queue its requests again, though the new
 * send may land too: minted twice.
 */
describe('a batch signed again under the same lead after its own cancel took the nonce', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: TransactionRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await pipelineDataSource(database.url, 2, 10_000);
    repository = new TransactionRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** Claims the queue and stores `signed` as the send of every claimed request. */
  const signRound = async (nonce: bigint, label: string): Promise<{ batchId: string; sent: SignedAttempt }> => {
    const claim = await repository.claimQueued(10, 30_000);
    const batchId = claim.requests[0].id;
    const sent = attempt(batchId, nonce, label, 'send');
    await repository.transaction((manager) =>
      repository.storeSigned(manager, [{ attempt: sent, requestIds: claim.requests.map((r) => r.id) }], SENDER, claim.token),
    );
    await repository.markSubmitted([{ batchId, hash: sent.hash }]);
    return { batchId, sent };
  };

  const attemptStatuses = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await dataSource.getRepository(TransactionAttempt).find()).map((row) => [row.txHash, row.status] as [string, string]),
    );

  it('keeps the earlier round out of the new one: its receipts, its reorgs and the confirmer', async () => {
    await new TransactionBatchStore(dataSource).insertQueued('default', [newMintRequest('round-1'), newMintRequest('round-2')]);

    // Round 1: sent at nonce 5, stuck; our cancel at nonce 5 is mined and final.
    const first = await signRound(5n, 'send at nonce 5');
    const cancel = attempt(first.batchId, 5n, 'cancel at nonce 5', 'cancel');
    await repository.transaction((manager) => repository.storeReplacement(manager, cancel));
    const requeued = await repository.transaction((manager) => repository.requeueUnexecuted(manager, first.batchId, cancel.hash));
    expect(requeued).toBe(2);

    // Round 2: the same requests, led by the same one, sent at nonce 7 and mined.
    const second = await signRound(7n, 'send at nonce 7');
    expect(second.batchId).toBe(first.batchId);
    const block = hashOf('block 100');
    await repository.recordSuccess([
      {
        batchId: second.batchId,
        hash: second.sent.hash,
        blockNumber: 100n,
        blockHash: block,
        gasUsed: 60_000n,
        effectiveGasPrice: 1n,
        confirmations: 1,
        final: false,
      },
    ]);

    expect(await attemptStatuses()).toEqual({
      [first.sent.hash]: 'replaced',
      // Mined at nonce 5, and stays so: the new round's receipt is not about it.
      [cancel.hash]: 'mined',
      [second.sent.hash]: 'mined',
    });

    // A reorg takes the new send's block: only its own round goes back in flight.
    expect(await repository.markReorged({ number: 100n, hash: block })).toEqual([second.batchId]);
    expect((await repository.liveAttempts([second.batchId])).map((live) => live.hash)).toEqual([second.sent.hash]);
    expect((await attemptStatuses())[cancel.hash]).toBe('mined');
    expect((await repository.unfinishedBatches(SENDER)).map((batch) => batch.nonce)).toEqual([7n]);
  });
});
