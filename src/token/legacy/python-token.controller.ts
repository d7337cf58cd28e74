import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { ClientApi } from '../../auth/api-key.decorators';
import { USER_ID_PATTERN } from '../../common/ids';
import { ApiErrorResponse } from '../../errors/error-response.dto';
import { PythonMintRequestDto, PythonRedeemRequestDto } from './dto/python-token-request.dto';
import { PythonBalanceResponseDto, PythonTransactionResponseDto } from './dto/python-token-response.dto';
import { type LegacyCaller, LegacyCallingClient } from './legacy-caller';
import { LosslessJsonBody } from './legacy-json-body';
import { PythonTokenService } from './python-token.service';

const MIGRATION = ' Kept for partner apps of the Python backend: see docs/operations/migration.md.';

const BAD_REQUEST_CODES = ['INVALID_AMOUNT', 'MISSING_IDEMPOTENCY_KEY', 'VALIDATION_ERROR', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE'] as const;

/**
 * The Python backend's client routes, unchanged for the partner apps that call them: same
 * paths, bodies and answers (200, as FastAPI answered), on this service's keys, limits and
 * pipeline. Deprecated: new integrations use /api/v1/token.
 */
@ApiTags('token (Python backend routes, deprecated)')
@ClientApi()
@Controller('token')
export class PythonTokenController {
  constructor(private readonly python: PythonTokenService) {}

  @Post('mint')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    deprecated: true,
    summary: 'Mint HAVEN to a user’s custodial wallet (opened on the first mint); use POST /api/v1/token/mint',
    description: `amount is read exactly from the JSON number's digits.${MIGRATION}`,
  })
  @ApiBody({ type: PythonMintRequestDto, required: true })
  @ApiOkResponse({ type: PythonTransactionResponseDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, ...BAD_REQUEST_CODES)
  @ApiErrorResponse(HttpStatus.CONFLICT, 'DUPLICATE_TRANSACTION', 'WALLET_REVOKED')
  @ApiErrorResponse(HttpStatus.UNPROCESSABLE_ENTITY, 'MINT_AMOUNT_ABOVE_MAXIMUM', 'DAILY_MINT_LIMIT_EXCEEDED')
  mint(
    @LosslessJsonBody(PythonMintRequestDto) body: PythonMintRequestDto,
    @LegacyCallingClient() caller: LegacyCaller,
  ): Promise<PythonTransactionResponseDto> {
    return this.python.mint(body, caller);
  }

  @Post('redeem')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    deprecated: true,
    summary: 'Redeem (burn) HAVEN from a user’s custodial wallet; use POST /api/v1/token/redeem',
    description: `withdrawal_method and withdrawal_address are kept in the reason recorded on chain.${MIGRATION}`,
  })
  @ApiBody({ type: PythonRedeemRequestDto, required: true })
  @ApiOkResponse({ type: PythonTransactionResponseDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, ...BAD_REQUEST_CODES)
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'WALLET_NOT_FOUND')
  @ApiErrorResponse(HttpStatus.CONFLICT, 'DUPLICATE_TRANSACTION')
  @ApiErrorResponse(HttpStatus.UNPROCESSABLE_ENTITY, 'INSUFFICIENT_BALANCE')
  redeem(
    @LosslessJsonBody(PythonRedeemRequestDto) body: PythonRedeemRequestDto,
    @LegacyCallingClient() caller: LegacyCaller,
  ): Promise<PythonTransactionResponseDto> {
    return this.python.redeem(body, caller);
  }

  @Get('balance/:user_id')
  @ApiOperation({
    deprecated: true,
    summary: 'HAVEN balance of a user’s custodial wallet, read from the chain; use GET /api/v1/token/balance/{address}',
    description: MIGRATION.trim(),
  })
  @ApiParam({ name: 'user_id', schema: { type: 'string', pattern: USER_ID_PATTERN.source, minLength: 1, maxLength: 128 } })
  @ApiOkResponse({ type: PythonBalanceResponseDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'WALLET_NOT_FOUND')
  balance(@Param('user_id') userId: string): Promise<PythonBalanceResponseDto> {
    return this.python.balance(userId);
  }
}
