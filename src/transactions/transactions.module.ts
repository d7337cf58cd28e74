import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AlertingModule } from '../alerting/alerting.module';
import { ChainModule } from '../chain/chain.module';
import { CustodyModule } from '../custody/custody.module';
import { NonceModule } from '../nonce/nonce.module';
import { Broadcaster } from './pipeline/broadcaster';
import { ContractConditions } from './pipeline/contract-conditions';
import { FeeOracle } from './pipeline/fee.oracle';
import { FinalityTracker } from './pipeline/finality.tracker';
import { NonceGapHealer } from './pipeline/nonce-gap.healer';
import { ReceiptConfirmer } from './pipeline/receipt-confirmer.service';
import { SendingHolds } from './pipeline/sending-holds';
import { StuckTransactionReplacer } from './pipeline/stuck-transaction.replacer';
import { TransactionSigner } from './pipeline/transaction.signer';
import { TransactionSender } from './pipeline/transaction-sender.service';
import { QueuedInsertBatcher } from './queued-insert.batcher';
import { QueuedWorkSignal } from './queued-work.signal';
import { Transaction } from './transaction.entity';
import { TransactionMetrics } from './transaction.metrics';
import { TransactionRepository } from './transaction.repository';
import { TransactionAttempt } from './transaction-attempt.entity';
import { TransactionBatchStore } from './transaction-batch.store';

/**
 * Gets every accepted request on chain exactly once: claims queued rows, signs and stores
 * them before broadcasting, confirms receipts, replaces stuck transactions, heals nonce holes.
 * Owns the `transactions` and `transaction_attempts` tables: every other module reads and
 * writes them through `TransactionRepository`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Transaction, TransactionAttempt]), AlertingModule, ChainModule, NonceModule, CustodyModule],
  providers: [
    Broadcaster,
    ContractConditions,
    FeeOracle,
    FinalityTracker,
    NonceGapHealer,
    QueuedInsertBatcher,
    QueuedWorkSignal,
    ReceiptConfirmer,
    SendingHolds,
    StuckTransactionReplacer,
    TransactionBatchStore,
    TransactionMetrics,
    TransactionRepository,
    TransactionSender,
    TransactionSigner,
  ],
  exports: [QueuedInsertBatcher, QueuedWorkSignal, SendingHolds, TransactionBatchStore, TransactionRepository, TransactionSigner],
})
export class TransactionsModule {}
