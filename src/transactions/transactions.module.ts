import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ChainModule } from '../chain/chain.module';
import { CustodyModule } from '../custody/custody.module';
import { NonceModule } from '../nonce/nonce.module';
import { Broadcaster } from './pipeline/broadcaster';
import { FeeOracle } from './pipeline/fee.oracle';
import { NonceGapHealer } from './pipeline/nonce-gap.healer';
import { PipelineRepository } from './pipeline/pipeline.repository';
import { ReceiptConfirmer } from './pipeline/receipt-confirmer.service';
import { StuckTransactionReplacer } from './pipeline/stuck-transaction.replacer';
import { TransactionSender } from './pipeline/transaction-sender.service';
import { TransactionSigner } from './pipeline/transaction.signer';
import { TransactionAttempt } from './transaction-attempt.entity';
import { TransactionDispatcher } from './transaction-dispatcher';
import { Transaction } from './transaction.entity';

/**
 * Gets every accepted request on chain exactly once: claims queued rows, signs and stores
 * them before broadcasting, confirms receipts, replaces stuck transactions, heals nonce holes.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Transaction, TransactionAttempt]), ChainModule, NonceModule, CustodyModule],
  providers: [
    Broadcaster,
    FeeOracle,
    NonceGapHealer,
    PipelineRepository,
    ReceiptConfirmer,
    StuckTransactionReplacer,
    TransactionDispatcher,
    TransactionSender,
    TransactionSigner,
  ],
  exports: [TransactionDispatcher, PipelineRepository, TransactionSigner],
})
export class TransactionsModule {}
