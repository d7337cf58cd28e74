import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

import { WALLET_ID_PATTERN, WALLET_ID_RULE } from '../../common/wallet-id';
import type { AuditSeverity } from '../../custody/wallet-audit-log.entity';
import type { WalletStatus } from '../../custody/wallet-custody.entity';

const STATUSES: WalletStatus[] = ['active', 'rotated', 'revoked'];
const SEVERITIES: AuditSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export class CreateWalletDto {
  @ApiProperty({ description: `The user's id: ${WALLET_ID_RULE}`, example: 'guest-1' })
  @IsString()
  @Matches(WALLET_ID_PATTERN, { message: `walletId must be ${WALLET_ID_RULE}` })
  walletId!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Stored with the wallet; never a secret' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class WalletListQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: WalletStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

export class AuditLogQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(WALLET_ID_PATTERN) walletId?: string;

  @ApiPropertyOptional({ enum: SEVERITIES }) @IsOptional() @IsIn(SEVERITIES) severity?: AuditSeverity;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this time, inclusive' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this time' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The next_cursor of the previous page' }) @IsOptional() @Matches(/^\d{1,19}$/) cursor?: string;
}

export class WalletIdParam {
  @IsString() @Matches(WALLET_ID_PATTERN, { message: `walletId must be ${WALLET_ID_RULE}` }) walletId!: string;
}
