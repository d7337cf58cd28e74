import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

import { CLIENT_NAME } from '../../config/env.schema';
import { TransactionListQuery } from '../../token/dto/transaction-list.query';

/** The client API's filters, plus the client: the admin API sees every client's requests. */
export class AdminTransactionListQuery extends TransactionListQuery {
  @ApiPropertyOptional({ description: 'Only this client’s requests (its API_KEY name)' })
  @IsOptional()
  @Matches(CLIENT_NAME, { message: 'clientId must be a client name (a-z 0-9 _ -, at most 64)' })
  clientId?: string;
}
