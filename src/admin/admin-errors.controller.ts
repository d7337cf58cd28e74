import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AdminApi } from '../auth/api-key.decorators';
import { ErrorLogRepository } from '../errors/error-log.repository';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { ErrorLogDto, ErrorLogPageDto, ErrorLogQuery } from './dto/error-log.dto';

/** The server errors stored in `error_logs`, where an `error_id` a client quotes is looked up. */
@ApiTags('admin')
@AdminApi()
@Controller('api/v1/admin/errors')
export class AdminErrorsController {
  constructor(private readonly errorLogs: ErrorLogRepository) {}

  @Get()
  @ApiOperation({ summary: 'Stored server errors, newest first, by error code and user; redacted stack traces included' })
  @ApiOkResponse({ type: ErrorLogPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  async list(@Query() query: ErrorLogQuery): Promise<ErrorLogPageDto> {
    const limit = query.limit ?? 20;
    // One more than the page: whether it exists says if there is a next page.
    const rows = await this.errorLogs.newestFirst({
      errorType: query.errorType,
      userId: query.userId,
      beforeId: query.cursor,
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items: items.map((row) => ErrorLogDto.from(row)), nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }
}
