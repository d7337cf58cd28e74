import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

import { BigintIdCursor } from '../../common/bigint-cursor';
import { IsUserId } from '../../common/ids';
import { PageLimit } from '../../common/page-limit';
import { redactSecrets } from '../../common/redaction';
import type { ErrorLog } from '../../errors/error-log.entity';

/** How the stable error codes are written (`TRANSACTION_ERROR`); at most the column's 64 characters. */
const ERROR_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;

export class ErrorLogQuery {
  @ApiPropertyOptional({ pattern: ERROR_TYPE.source, example: 'INTERNAL_ERROR', description: 'Only errors with this code' })
  @IsOptional()
  @Matches(ERROR_TYPE, { message: 'errorType must be an error code: A-Z 0-9 _, at most 64' })
  errorType?: string;

  @ApiPropertyOptional({ description: 'Only errors of requests naming this user' }) @IsOptional() @IsUserId() userId?: string;

  @PageLimit({ max: 100, fallback: 20 }) limit?: number;

  @BigintIdCursor({ rows: 'an error-log', previous: 'nextCursor' })
  cursor?: string;
}

/**
 * A stored server error. The stack is shown: the admin key is the operators', and the stack
 * is what an operator looks an `error_id` up for. Text was redacted before it was stored
 * (ErrorLogService); it is redacted again on the way out, for rows older than a rule.
 */
export class ErrorLogDto {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The error_id the client was given' }) errorId!: string;
  @ApiProperty({ example: 'INTERNAL_ERROR' }) errorType!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Redacted stack trace' }) stack!: string | null;
  @ApiProperty({ example: 500 }) statusCode!: number;
  @ApiProperty({ nullable: true, type: String }) method!: string | null;
  @ApiProperty({ nullable: true, type: String }) path!: string | null;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty({ nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(row: ErrorLog): ErrorLogDto {
    return {
      id: row.id,
      errorId: row.errorId,
      errorType: row.errorType,
      message: redactSecrets(row.message),
      stack: row.stack === null ? null : redactSecrets(row.stack),
      statusCode: row.statusCode,
      method: row.method,
      path: row.path === null ? null : redactSecrets(row.path),
      requestId: row.requestId,
      userId: row.userId,
      details: row.details,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class ErrorLogPageDto {
  @ApiProperty({ type: [ErrorLogDto] }) items!: ErrorLogDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}
