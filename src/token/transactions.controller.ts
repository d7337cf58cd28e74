import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { ClientApi } from '../auth/api-key.decorators';
import { CallingClient } from '../auth/calling-client';
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
  @ApiOperation({ summary: 'One of this client’s mints or redemptions and where it is in the pipeline' })
  @ApiParam({ name: 'txId', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: TransactionResponseDto })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'TRANSACTION_NOT_FOUND')
  async get(@Param('txId') txId: string, @CallingClient() client: string): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.queries.get(txId, client));
  }

  @Get()
  @ApiOperation({ summary: 'This client’s transactions, newest first, by user and status; follow nextCursor for the next page' })
  @ApiOkResponse({ type: TransactionPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async list(@Query() query: TransactionListQuery, @CallingClient() client: string): Promise<TransactionPageDto> {
    const page = await this.queries.list({ ...query, clientId: client });
    return { items: page.items.map((row) => TransactionResponseDto.from(row)), nextCursor: page.nextCursor };
  }
}
