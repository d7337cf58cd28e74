import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';

import {
  ALERT_CATEGORY_PATTERN,
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  type AlertSeverity,
  type AlertStatus,
} from '../../alerting/alert.constants';
import { PageLimit } from '../../common/page-limit';

/** Statistics look back at most 30 days. */
export const MAX_ALERT_STATS_HOURS = 720;

export class AlertListQuery {
  @ApiPropertyOptional({ enum: ALERT_SEVERITIES }) @IsOptional() @IsIn(ALERT_SEVERITIES) severity?: AlertSeverity;

  @ApiPropertyOptional({
    pattern: ALERT_CATEGORY_PATTERN.source,
    maxLength: 64,
    example: 'transaction_pending',
    description: 'transaction_pending, transaction_failed, gas_price_spike, system_test, circuit_breaker, pipeline_held…',
  })
  @IsOptional()
  @Matches(ALERT_CATEGORY_PATTERN, { message: 'category must be lower snake case (a-z 0-9 _), at most 64 characters' })
  category?: string;

  @ApiPropertyOptional({ enum: ALERT_STATUSES }) @IsOptional() @IsIn(ALERT_STATUSES) status?: AlertStatus;

  @PageLimit({ max: 200, fallback: 50 }) limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The next_cursor of the previous page' })
  @IsOptional()
  @IsUUID('all', { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

export class AlertStatsQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_ALERT_STATS_HOURS,
    default: 24,
    description: 'The window: the last N hours',
  })
  @IsOptional()
  // Digits only, as for `limit`: Number() would also read '', ' 5' and '0x10'.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_ALERT_STATS_HOURS)
  hours?: number;
}
