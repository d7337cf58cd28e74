import { Module } from '@nestjs/common';

import { AuthModule } from '../auth/auth.module';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { ChainModule } from '../chain/chain.module';
import { CustodyModule } from '../custody/custody.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { DailyMintLedger } from './daily-mint-ledger';
import { PythonTokenController } from './legacy/python-token.controller';
import { PythonTokenService } from './legacy/python-token.service';
import { UserWallets } from './legacy/user-wallets';
import { MintBatchController } from './mint-batch.controller';
import { MintBatchIntake } from './mint-batch-intake.service';
import { MintLimits } from './mint-limits';
import { TokenController } from './token.controller';
import { TransactionIntake } from './transaction-intake.service';
import { TransactionQueries } from './transaction-queries.service';
import { TransactionsController } from './transactions.controller';

/**
 * The client apps' REST API: accept mints and redemptions, report on them; and the Python
 * backend's client routes (`legacy/`), kept on the same pipeline for partner apps not yet moved.
 */
@Module({
  imports: [AuthModule, CallbacksModule, ChainModule, TransactionsModule, CustodyModule],
  controllers: [TokenController, MintBatchController, TransactionsController, PythonTokenController],
  providers: [TransactionIntake, MintBatchIntake, TransactionQueries, MintLimits, DailyMintLedger, PythonTokenService, UserWallets],
  exports: [TransactionQueries],
})
export class TokenModule {}
