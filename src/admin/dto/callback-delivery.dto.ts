import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';

import { CALLBACK_DELIVERY_STATUSES, type CallbackDelivery, type CallbackDeliveryStatus } from '../../callbacks/callback-delivery.entity';
import { originOf } from '../../callbacks/callback-url.policy';
import { BigintIdCursor } from '../../common/bigint-cursor';
import { PageLimit } from '../../common/page-limit';
import { CLIENT_NAME } from '../../config/env.schema';

export class CallbackDeliveryQuery {
  @ApiPropertyOptional({ description: 'Only this client’s callbacks (its API_KEY name)' })
  @IsOptional()
  @Matches(CLIENT_NAME, { message: 'clientId must be a client name (a-z 0-9 _ -, at most 64)' })
  clientId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the callbacks of this transaction' })
  @IsOptional()
  @IsUUID()
  txId?: string;

  @ApiPropertyOptional({
    enum: CALLBACK_DELIVERY_STATUSES,
    description: 'pending: owed (being retried, or waiting behind an earlier event)',
  })
  @IsOptional()
  @IsIn(CALLBACK_DELIVERY_STATUSES)
  status?: CallbackDeliveryStatus;

  @PageLimit({ max: 100, fallback: 20 }) limit?: number;

  @BigintIdCursor({ rows: 'a callback delivery', previous: 'nextCursor' })
  cursor?: string;
}

/**
 * One status callback and what its attempts came to. The receiver is shown by origin only:
 * a callback URL's path or query may carry the partner's token.
 */
export class CallbackDeliveryDto {
  @ApiProperty({ example: '1042', description: 'Also the X-Haven-Delivery header; grows with the order of one transaction’s events' })
  id!: string;
  @ApiProperty({ format: 'uuid' }) txId!: string;
  @ApiProperty() clientId!: string;
  @ApiProperty({ example: 'transaction.confirmed' }) event!: string;
  @ApiProperty({ example: 'mined' }) previousStatus!: string;
  @ApiProperty({
    enum: CALLBACK_DELIVERY_STATUSES,
    description: 'failed: final (a 4xx other than 408/429); not retried unless redelivered',
  })
  status!: string;
  @ApiProperty({ description: 'POSTs made so far' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String, example: 'HTTP 503', description: 'What the last unsuccessful attempt came to' })
  lastError!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'https://hooks.partner.example' }) callbackOrigin!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The body sent' }) payload!: object;
  @ApiProperty({ format: 'date-time', description: 'When the status changed' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Next try of a pending one' })
  nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt!: string | null;

  static from(row: CallbackDelivery): CallbackDeliveryDto {
    return {
      id: row.id,
      txId: row.transactionId,
      clientId: row.clientId,
      event: `transaction.${row.eventStatus}`,
      previousStatus: row.previousStatus,
      status: row.status,
      attempts: row.attempts,
      lastError: row.lastError,
      callbackOrigin: originOf(row.callbackUrl),
      payload: row.payload,
      createdAt: row.createdAt.toISOString(),
      lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
      nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
      deliveredAt: row.deliveredAt?.toISOString() ?? null,
    };
  }
}

export class CallbackDeliveryPageDto {
  @ApiProperty({ type: [CallbackDeliveryDto] }) items!: CallbackDeliveryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}
