import { applyDecorators, Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { ClientApi } from '../auth/api-key.decorators';
import { CallingClientRequest, type ClientCaller } from '../auth/calling-client';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { MintRequestDto, RedeemRequestDto } from './dto/token-request.dto';
import { BalanceResponseDto, TransactionResponseDto } from './dto/transaction-response.dto';
import { TransactionIntake } from './transaction-intake.service';
import { TransactionQueries } from './transaction-queries.service';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,255}$' },
  description: 'Unique per request (1-255 of A-Z a-z 0-9 _ . : -). A retry with the same key and body returns the same transaction.',
};

const BAD_REQUEST_CODES = [
  'INVALID_ADDRESS',
  'INVALID_AMOUNT',
  'MISSING_IDEMPOTENCY_KEY',
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
] as const;

/** Mints and redemptions are both stored, then answered 202 with the request as it stands. */
const AcceptsRequest = (summary: string): MethodDecorator =>
  applyDecorators(
    HttpCode(HttpStatus.ACCEPTED),
    ApiOperation({ summary }),
    ApiHeader(IDEMPOTENCY_HEADER),
    ApiAcceptedResponse({ type: TransactionResponseDto }),
    ApiErrorResponse(HttpStatus.BAD_REQUEST, ...BAD_REQUEST_CODES),
    ApiErrorResponse(HttpStatus.NOT_FOUND, 'WALLET_NOT_FOUND'),
    ApiErrorResponse(HttpStatus.CONFLICT, 'DUPLICATE_TRANSACTION'),
  );

@ApiTags('token')
@ClientApi()
@Controller('api/v1/token')
export class TokenController {
  constructor(
    private readonly intake: TransactionIntake,
    private readonly queries: TransactionQueries,
  ) {}

  @Post('mint')
  @AcceptsRequest('Mint HAVEN to a user: stored at once, sent on chain in the background')
  @ApiErrorResponse(HttpStatus.UNPROCESSABLE_ENTITY, 'MINT_AMOUNT_ABOVE_MAXIMUM', 'DAILY_MINT_LIMIT_EXCEEDED', 'CALLBACK_URL_NOT_ALLOWED')
  async mint(
    @Body() body: MintRequestDto,
    @CallingClientRequest() caller: ClientCaller,
    @Headers('Idempotency-Key') key?: string,
  ): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.intake.accept('mint', { ...body, address: body.to }, key, caller));
  }

  @Post('redeem')
  @AcceptsRequest('Redeem (burn) a user’s HAVEN: refused beyond the balance less redemptions in flight')
  @ApiErrorResponse(HttpStatus.UNPROCESSABLE_ENTITY, 'INSUFFICIENT_BALANCE', 'CALLBACK_URL_NOT_ALLOWED')
  @ApiErrorResponse(HttpStatus.FORBIDDEN, 'ADDRESS_NOT_OWNED')
  async redeem(
    @Body() body: RedeemRequestDto,
    @CallingClientRequest() caller: ClientCaller,
    @Headers('Idempotency-Key') key?: string,
  ): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.intake.accept('burn', { ...body, address: body.from }, key, caller));
  }

  @Get('balance/:address')
  @ApiOperation({ summary: 'HAVEN balance of an address, read from the chain' })
  @ApiParam({ name: 'address', schema: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' } })
  @ApiOkResponse({ type: BalanceResponseDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'INVALID_ADDRESS')
  balance(@Param('address') address: string): Promise<BalanceResponseDto> {
    return this.queries.balance(address);
  }
}
