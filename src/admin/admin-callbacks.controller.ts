import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { AdminApi } from '../auth/api-key.decorators';
import { CallbackDeliveryLog } from '../callbacks/callback-delivery-log';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { CallbackDeliveryDto, CallbackDeliveryPageDto, CallbackDeliveryQuery } from './dto/callback-delivery.dto';

/** The status callbacks owed to client apps (`callback_deliveries`): what went where, and what came of it. */
@ApiTags('admin')
@AdminApi()
@Controller('api/v1/admin/callbacks')
export class AdminCallbacksController {
  constructor(private readonly log: CallbackDeliveryLog) {}

  @Get()
  @ApiOperation({ summary: 'Status callbacks, newest first, by client, transaction and delivery status; receivers by origin only' })
  @ApiOkResponse({ type: CallbackDeliveryPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async list(@Query() query: CallbackDeliveryQuery): Promise<CallbackDeliveryPageDto> {
    const page = await this.log.list({ ...query, limit: query.limit ?? 20 });
    return { items: page.items.map((row) => CallbackDeliveryDto.from(row)), nextCursor: page.nextCursor };
  }

  @Post(':id/redeliver')
  @HttpCode(HttpStatus.OK)
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: '^\\d{1,19}$' } })
  @ApiOperation({
    summary: 'Send a finally failed callback again, with its id and body unchanged',
    description:
      'Pending from now, retried as any other. It may reach the receiver after later events of its transaction, which its lower id tells apart.',
  })
  @ApiOkResponse({ type: CallbackDeliveryDto, description: 'The delivery, pending again' })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'CALLBACK_DELIVERY_NOT_FOUND')
  @ApiErrorResponse(HttpStatus.CONFLICT, 'CALLBACK_DELIVERY_NOT_REDELIVERABLE')
  async redeliver(@Param('id') id: string): Promise<CallbackDeliveryDto> {
    return CallbackDeliveryDto.from(await this.log.redeliver(id));
  }
}
