import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Max, MaxDate, MaxLength, Min, MinDate, ValidateBy, ValidateIf } from 'class-validator';

import { BigintIdCursor } from '../../common/bigint-cursor';
import { IsWalletId, WALLET_ID_RULE } from '../../common/ids';
import { PageLimit } from '../../common/page-limit';
import type { AuditSeverity } from '../../custody/wallet-audit-log.entity';
import type { WalletStatus } from '../../custody/wallet-custody.entity';
import { METADATA_RULE, metadataProblem } from '../../custody/wallet-metadata';

export const WALLET_STATUSES: WalletStatus[] = ['active', 'rotated', 'revoked'];
export const SEVERITIES: AuditSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/**
 * Past this, OFFSET makes PostgreSQL read and throw away every row before the page (and
 * past 2^63-1 it fails outright); no one pages through 100,000 wallets by offset.
 */
export const MAX_WALLET_OFFSET = 100_000;

/**
 * What a timestamptz holds and a JavaScript date can be beyond (PostgreSQL stops at 4713 BC);
 * four-digit years, as ISO 8601 writes them without an extension.
 */
const EARLIEST_TIME = new Date('0001-01-01T00:00:00.000Z');
const LATEST_TIME = new Date('9999-12-31T23:59:59.999Z');

/**
 * ISO 8601 as the API writes it: a date, optionally a time and zone. JavaScript's Date parser
 * also accepts `-1`, ` 5` and `1 OR 1=1`, none of which anyone means as a time.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A time filter of the audit log: an ISO 8601 date-time with a four-digit year. */
const AuditTime = (description: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ format: 'date-time', description: `${description}; years 0001 to 9999` }),
    IsOptional(),
    // Anything but an ISO 8601 string is left as it is, and IsDate refuses it.
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && ISO_8601.test(value) ? new Date(value) : value)),
    IsDate(),
    MinDate(EARLIEST_TIME),
    MaxDate(LATEST_TIME),
  );

/** The metadata as it was parsed from JSON, checked for what jsonb can store. */
const IsWalletMetadata = (): PropertyDecorator =>
  applyDecorators(
    // class-transformer would copy the object and silently drop the keys that name members
    // of Object.prototype (`toString`, `valueOf`...): validate and store what was sent.
    Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => obj[key]),
    ValidateBy({
      name: 'isWalletMetadata',
      validator: {
        validate: (value: unknown) => metadataProblem(value) === null,
        defaultMessage: (args) => `$property ${metadataProblem(args?.value) ?? 'is invalid'}`,
      },
    }),
  );

export class CreateWalletDto {
  @ApiProperty({ description: `The user's id: ${WALLET_ID_RULE}`, example: 'guest-1' })
  @IsWalletId()
  walletId!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Stored with the wallet; never a secret: ${METADATA_RULE}`,
  })
  // Absent means none; null is not an object, and is refused like any other non-object.
  @ValidateIf((dto: CreateWalletDto) => dto.metadata !== undefined)
  @IsWalletMetadata()
  metadata?: Record<string, unknown>;
}

export class WalletListQuery {
  @ApiPropertyOptional({ enum: WALLET_STATUSES }) @IsOptional() @IsIn(WALLET_STATUSES) status?: WalletStatus;

  @PageLimit({ max: 100, fallback: 50 }) limit?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WALLET_OFFSET,
    default: 0,
    description: `Wallets to skip, at most ${MAX_WALLET_OFFSET}; narrow the list by status instead of paging further`,
  })
  @IsOptional()
  // Digits only, as for `limit`: Number() would also read '', ' 5' and '0x10'.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(MAX_WALLET_OFFSET)
  offset?: number;
}

export class AuditLogQuery {
  @ApiPropertyOptional() @IsOptional() @IsWalletId() walletId?: string;

  @ApiPropertyOptional({ enum: SEVERITIES }) @IsOptional() @IsIn(SEVERITIES) severity?: AuditSeverity;

  @AuditTime('From this time, inclusive') from?: Date;

  @AuditTime('Before this time') to?: Date;

  @PageLimit({ max: 500, fallback: 100 }) limit?: number;

  @BigintIdCursor({ rows: 'an audit-log', previous: 'next_cursor' })
  cursor?: string;
}

export class WalletIdParam {
  @IsWalletId() walletId!: string;
}

/** Why a key is revoked, for the audit trail. */
const RevokeReason = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ maxLength: 500, description: 'Why, for the audit trail', example: 'device lost' }),
    IsOptional(),
    IsString(),
    MaxLength(500),
  );

export class RevokeWalletDto {
  @RevokeReason() reason?: string;
}

/** The Python backend's revoke request: the wallet in the body. */
export class LegacyRevokeWalletDto {
  @ApiProperty({ description: `The wallet: ${WALLET_ID_RULE}`, example: 'guest-1' })
  @IsWalletId()
  wallet_id!: string;

  @RevokeReason() reason?: string;
}

export class WalletGetQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    deprecated: true,
    description: "The Python backend's flag. `true` is refused (403 PRIVATE_KEY_EXPORT_REFUSED) and audited: no key is ever returned.",
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  include_private_key?: 'true' | 'false';
}
