import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsObject, IsOptional, Matches, Min } from 'class-validator';

import { IsWalletId, WALLET_ID_RULE } from '../../common/ids';
import { PageLimit } from '../../common/page-limit';
import type { AuditSeverity } from '../../custody/wallet-audit-log.entity';
import type { WalletStatus } from '../../custody/wallet-custody.entity';

export const WALLET_STATUSES: WalletStatus[] = ['active', 'rotated', 'revoked'];
export const SEVERITIES: AuditSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export class CreateWalletDto {
  @ApiProperty({ description: `The user's id: ${WALLET_ID_RULE}`, example: 'guest-1' })
  @IsWalletId()
  walletId!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Stored with the wallet; never a secret' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class WalletListQuery {
  @ApiPropertyOptional({ enum: WALLET_STATUSES }) @IsOptional() @IsIn(WALLET_STATUSES) status?: WalletStatus;

  @PageLimit({ max: 100, fallback: 50 }) limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

export class AuditLogQuery {
  @ApiPropertyOptional() @IsOptional() @IsWalletId() walletId?: string;

  @ApiPropertyOptional({ enum: SEVERITIES }) @IsOptional() @IsIn(SEVERITIES) severity?: AuditSeverity;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this time, inclusive' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this time' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;

  @PageLimit({ max: 500, fallback: 100 }) limit?: number;

  @ApiPropertyOptional({ description: 'The next_cursor of the previous page' }) @IsOptional() @Matches(/^\d{1,19}$/) cursor?: string;
}

export class WalletIdParam {
  @IsWalletId() walletId!: string;
}
