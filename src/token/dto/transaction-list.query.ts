import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';

import { IsUserId } from '../../common/ids';
import { PageLimit } from '../../common/page-limit';
import { TRANSACTION_STATUSES, type TransactionStatus } from '../../transactions/transaction.entity';

export class TransactionListQuery {
  @ApiPropertyOptional() @IsOptional() @IsUserId() userId?: string;

  @ApiPropertyOptional({ enum: TRANSACTION_STATUSES })
  @IsOptional()
  @IsIn(TRANSACTION_STATUSES)
  status?: TransactionStatus;

  @PageLimit({ max: 100, fallback: 20 }) limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}
