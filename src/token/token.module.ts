import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientApiKeyGuard } from '../auth/client-api-key.guard';
import { ChainModule } from '../chain/chain.module';
import { CustodyModule } from '../custody/custody.module';
import { Transaction } from '../transactions/transaction.entity';
import { TransactionsModule } from '../transactions/transactions.module';
import { TokenController } from './token.controller';
import { TransactionIntakeRepository } from './transaction-intake.repository';
import { TransactionIntake } from './transaction-intake.service';
import { TransactionQueries } from './transaction-query.service';
import { TransactionsController } from './transactions.controller';

/** The client apps' REST API: accept mints and redemptions, report on them. */
@Module({
  imports: [TypeOrmModule.forFeature([Transaction]), ChainModule, TransactionsModule, CustodyModule],
  controllers: [TokenController, TransactionsController],
  providers: [ClientApiKeyGuard, TransactionIntake, TransactionIntakeRepository, TransactionQueries],
})
export class TokenModule {}
