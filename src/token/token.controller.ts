import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';

import { ClientApiKeyGuard } from '../auth/client-api-key.guard';
import { MintRequestDto, RedeemRequestDto } from './dto/token-request.dto';
import { BalanceResponseDto, TransactionResponseDto } from './dto/transaction-response.dto';
import { TransactionIntake } from './transaction-intake.service';
import { TransactionQueries } from './transaction-query.service';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: true,
  description: 'Unique per request (1-255 of A-Z a-z 0-9 _ . : -). A retry with the same key and body returns the same transaction.',
};

@ApiTags('token')
@ApiSecurity('client-key')
@UseGuards(ClientApiKeyGuard)
@Controller('api/v1/token')
export class TokenController {
  constructor(
    private readonly intake: TransactionIntake,
    private readonly queries: TransactionQueries,
  ) {}

  @Post('mint')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Mint HAVEN to a user: stored at once, sent on chain in the background' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiAcceptedResponse({ type: TransactionResponseDto })
  async mint(@Body() body: MintRequestDto, @Headers('idempotency-key') key?: string): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.intake.accept('mint', { ...body, address: body.to }, key));
  }

  @Post('redeem')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Redeem (burn) a user’s HAVEN' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiAcceptedResponse({ type: TransactionResponseDto })
  async redeem(@Body() body: RedeemRequestDto, @Headers('idempotency-key') key?: string): Promise<TransactionResponseDto> {
    return TransactionResponseDto.from(await this.intake.accept('burn', { ...body, address: body.from }, key));
  }

  @Get('balance/:address')
  @ApiOperation({ summary: 'HAVEN balance of an address, read from the chain' })
  @ApiOkResponse({ type: BalanceResponseDto })
  balance(@Param('address') address: string): Promise<BalanceResponseDto> {
    return this.queries.balance(address);
  }
}
