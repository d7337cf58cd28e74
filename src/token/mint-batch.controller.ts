import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ClientApi } from '../auth/api-key.decorators';
import { CallingClientRequest, type ClientCaller } from '../auth/calling-client';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { MintBatchRequestDto, MintBatchResponseDto } from './dto/mint-batch.dto';
import { MintBatchIntake } from './mint-batch-intake.service';

@ApiTags('token')
@ClientApi()
@Controller('api/v1/token')
export class MintBatchController {
  constructor(private readonly intake: MintBatchIntake) {}

  @Post('mint/batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Mint to many users at once: up to 1,000 items, each with its own idempotency key, stored together',
    description:
      'Each item is judged as POST /api/v1/token/mint would judge it and answered in request order: created, existing ' +
      '(its key was used before for the same request, here or on the single route) or rejected with the code the single ' +
      'route would answer (INVALID_ADDRESS, INVALID_AMOUNT, MISSING_IDEMPOTENCY_KEY, VALIDATION_ERROR, WALLET_NOT_FOUND, ' +
      'DUPLICATE_TRANSACTION, MINT_AMOUNT_ABOVE_MAXIMUM, DAILY_MINT_LIMIT_EXCEEDED, CALLBACK_URL_NOT_ALLOWED). A rejected ' +
      'item writes nothing and does not stop the others. A key used twice in one batch: the first use decides.',
  })
  @ApiAcceptedResponse({ type: MintBatchResponseDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'BATCH_SIZE_OUT_OF_RANGE', 'VALIDATION_ERROR', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE')
  async mintBatch(@Body() body: MintBatchRequestDto, @CallingClientRequest() caller: ClientCaller): Promise<MintBatchResponseDto> {
    return MintBatchResponseDto.from(body.items, await this.intake.accept(body.items, caller));
  }
}
