import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ClientApi } from '../auth/api-key.decorators';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { TransactionListQuery } from './dto/transaction-list.query';
import { TransactionPageDto, TransactionResponseDto } from './dto/transaction-response.dto';
import { TransactionQueries } from './transaction-queries.service';

@ApiTags('transactions')
@ClientApi()
@Controller('api/v1/transactions')
export class TransactionsController {
  constructor(private readonly queries: TransactionQueries) {}

  @Get(':txId')
  @ApiOperation({ summary: 'One mint or redemption and where it is in the pipeline' })
  @ApiOkResponse({ type: TransactionResponseDto })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'TRANSACTION_NOT_FOUND')
  async get(@Param('txId') txId: string): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.queries.get(txId));
  }

  @Get()
  @ApiOperation({ summary: 'Transactions, newest first, by user and status; follow nextCursor for the next page' })
  @ApiOkResponse({ type: TransactionPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async list(@Query() query: TransactionListQuery): Promise<TransactionPageDto> {
    const page = await this.queries.list(query);
    return { items: page.items.map((row) => TransactionResponseDto.from(row)), nextCursor: page.nextCursor };
  }
}
