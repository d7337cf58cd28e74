import { Module } from '@nestjs/common';

import { AuthModule } from '../auth/auth.module';
import { ChainModule } from '../chain/chain.module';
import { CustodyModule } from '../custody/custody.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { TokenController } from './token.controller';
import { TransactionIntake } from './transaction-intake.service';
import { TransactionQueries } from './transaction-queries.service';
import { TransactionsController } from './transactions.controller';

/** The client apps' REST API: accept mints and redemptions, report on them. */
@Module({
  imports: [AuthModule, ChainModule, TransactionsModule, CustodyModule],
  controllers: [TokenController, TransactionsController],
  providers: [TransactionIntake, TransactionQueries],
})
export class TokenModule {}
