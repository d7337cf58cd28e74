import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { AdminApi } from '../auth/api-key.decorators';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { TransactionPageDto, TransactionResponseDto } from '../token/dto/transaction-response.dto';
import { TransactionQueries } from '../token/transaction-queries.service';
import { AdminTransactionListQuery } from './dto/admin-transaction-list.query';
import { DEFAULT_WINDOW_HOURS, TransactionStatusDto, TransactionStatusQuery } from './dto/admin-transaction-status.dto';
import { TransactionStatusService } from './transaction-status.service';

const TX_ID_PARAM = { name: 'txId', schema: { type: 'string' as const, format: 'uuid' } };

@ApiTags('admin')
@AdminApi()
@Controller('api/v1/admin/transactions')
export class AdminTransactionsController {
  constructor(
    private readonly queries: TransactionQueries,
    private readonly status: TransactionStatusService,
  ) {}

  // Declared before `:txId`, which would otherwise take 'status' for a transaction id.
  @Get('status')
  @ApiOperation({
    summary: 'The pipeline at a glance: requests by status, pending and stuck, failure rate over a window, latest failures',
  })
  @ApiOkResponse({ type: TransactionStatusDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  report(@Query() query: TransactionStatusQuery): Promise<TransactionStatusDto> {
    return this.status.report(query.hours ?? DEFAULT_WINDOW_HOURS);
  }

  @Get(':txId')
  @ApiParam(TX_ID_PARAM)
  @ApiOperation({ summary: 'Any client’s mint or redemption and where it is in the pipeline' })
  @ApiOkResponse({ type: TransactionResponseDto })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'TRANSACTION_NOT_FOUND')
  async get(@Param('txId') txId: string): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.queries.get(txId));
  }

  @Post(':txId/retry')
  @HttpCode(HttpStatus.OK)
  @ApiParam(TX_ID_PARAM)
  @ApiOperation({
    summary: 'Send a failed request again: back to `queued` as a fresh request, under a new nonce',
    description:
      'Only a `failed` request (409 TRANSACTION_NOT_RETRYABLE otherwise). One that failed on chain is retried only once its ' +
      'block is no longer watched for reorgs (409 with `retry_after_seconds` and a Retry-After header until then). A ' +
      'redemption must still come from one of the user’s wallets (403 ADDRESS_NOT_OWNED) and pass the balance check a new one ' +
      'passes (422 INSUFFICIENT_BALANCE). The error, hash, nonce, batch and ' +
      'block of the failed send are cleared; the attempt count is kept.',
  })
  @ApiOkResponse({ type: TransactionResponseDto, description: 'The request, queued again' })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'TRANSACTION_NOT_FOUND')
  @ApiErrorResponse(HttpStatus.CONFLICT, 'TRANSACTION_NOT_RETRYABLE')
  @ApiErrorResponse(HttpStatus.UNPROCESSABLE_ENTITY, 'INSUFFICIENT_BALANCE')
  @ApiErrorResponse(HttpStatus.FORBIDDEN, 'ADDRESS_NOT_OWNED')
  @ApiErrorResponse(HttpStatus.SERVICE_UNAVAILABLE, 'CIRCUIT_BREAKER_OPEN')
  async retry(@Param('txId') txId: string): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.status.retry(txId));
  }

  @Get()
  @ApiOperation({ summary: 'Every client’s transactions, newest first, by client, user and status' })
  @ApiOkResponse({ type: TransactionPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async list(@Query() query: AdminTransactionListQuery): Promise<TransactionPageDto> {
    const page = await this.queries.list(query);
    return { items: page.items.map((row) => TransactionResponseDto.from(row)), nextCursor: page.nextCursor };
  }
}
