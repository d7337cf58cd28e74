import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

import type { Transaction, TransactionKind, TransactionStatus } from '../../transactions/transaction.entity';

/** The failure-rate window: at most 30 days, so the count stays on the recent part of the index. */
export const MAX_WINDOW_HOURS = 720;
export const DEFAULT_WINDOW_HOURS = 24;

export class TransactionStatusQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_WINDOW_HOURS,
    default: DEFAULT_WINDOW_HOURS,
    description: 'The failure rate covers requests accepted in this many last hours',
  })
  @IsOptional()
  // Digits only: Number() would also read '', ' 5', '1e1' and '0x10'.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_HOURS)
  hours?: number;
}

/** One property per status, zero included, so a dashboard never meets a missing key. */
export class TransactionStatusCountsDto implements Record<TransactionStatus, number> {
  @ApiProperty() queued!: number;
  @ApiProperty() signed!: number;
  @ApiProperty() submitted!: number;
  @ApiProperty() mined!: number;
  @ApiProperty() reorged!: number;
  @ApiProperty() confirmed!: number;
  @ApiProperty() failed!: number;
}

export class FailureRateDto {
  @ApiProperty({ description: 'The window: requests accepted in this many last hours' }) hours!: number;
  @ApiProperty({ description: 'Of those, confirmed' }) confirmed!: number;
  @ApiProperty({ description: 'Of those, failed' }) failed!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.02,
    description: 'failed / (confirmed + failed), 0 to 1; null when none settled in the window',
  })
  rate!: number | null;
}

export class RecentFailureDto {
  @ApiProperty({ format: 'uuid', description: 'The txId' }) id!: string;
  @ApiProperty() clientId!: string;
  @ApiProperty({ enum: ['mint', 'burn'] }) kind!: TransactionKind;
  @ApiProperty() userId!: string;
  @ApiProperty({ nullable: true, type: String, example: 'TRANSACTION_REVERTED' }) errorCode!: string | null;
  @ApiProperty({ nullable: true, type: String }) errorMessage!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When it failed (its last change)' }) updatedAt!: string;

  static from(row: Transaction): RecentFailureDto {
    return {
      id: row.id,
      clientId: row.clientId,
      kind: row.kind,
      userId: row.userId,
      errorCode: row.errorCode,
      errorMessage: row.errorMessage,
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

/** A request as the Python backend's admin API listed it, in its field names. */
export class LegacyTransactionSummaryDto {
  @ApiProperty({ format: 'uuid' }) tx_id!: string;
  @ApiProperty({ nullable: true, type: String }) tx_hash!: string | null;
  @ApiProperty({ enum: ['mint', 'burn'] }) kind!: TransactionKind;
  @ApiProperty() status!: TransactionStatus;
  @ApiProperty() user_id!: string;
  @ApiProperty({ example: '12.5', description: 'HAVEN, as a decimal string' }) amount!: string;
  @ApiProperty({ nullable: true, type: String }) error_message!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class TransactionStatusDto {
  @ApiProperty({ type: TransactionStatusCountsDto, description: 'Every request, by status' }) counts!: TransactionStatusCountsDto;
  @ApiProperty({ description: 'Accepted and not yet confirmed or failed (queued, signed, submitted, mined, reorged)' })
  pending!: number;
  @ApiProperty({ description: 'Of the pending, accepted more than stuckThresholdMinutes ago' }) stuck!: number;
  @ApiProperty({ description: 'PENDING_TX_THRESHOLD_MINUTES' }) stuckThresholdMinutes!: number;
  @ApiProperty({ type: FailureRateDto }) failureRate!: FailureRateDto;
  @ApiProperty({ type: [RecentFailureDto], description: 'The latest failures, at most 20, the latest first' })
  recentFailures!: RecentFailureDto[];

  // The Python backend's admin API answered with these; operators' scripts read them.
  @ApiProperty({ deprecated: true, description: 'Python backend name: the same as `pending`' }) total_pending!: number;
  @ApiProperty({ deprecated: true, description: 'Python backend name: every failed request (`counts.failed`)' }) total_failed!: number;
  @ApiProperty({ type: [LegacyTransactionSummaryDto], deprecated: true, description: 'The 20 oldest pending requests, oldest first' })
  pending_transactions!: LegacyTransactionSummaryDto[];
  @ApiProperty({ type: [LegacyTransactionSummaryDto], deprecated: true, description: 'The 20 latest failures, latest first' })
  failed_transactions!: LegacyTransactionSummaryDto[];
}
