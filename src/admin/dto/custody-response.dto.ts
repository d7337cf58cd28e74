import { ApiProperty } from '@nestjs/swagger';

import type { AuditLogView } from '../../custody/audit/wallet-audit.service';
import type { AuditSeverity } from '../../custody/wallet-audit-log.entity';
import type { WalletStatus } from '../../custody/wallet-custody.entity';
import type { WalletDetails, WalletView } from '../../custody/wallet-custody.service';
import { SEVERITIES, WALLET_STATUSES } from './custody.dto';

/** A custodial wallet: never its key, sealed or not. */
export class WalletDto implements WalletView {
  @ApiProperty({ example: 'guest-1' }) wallet_id!: string;
  @ApiProperty({ type: String, example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }) address!: WalletView['address'];
  @ApiProperty({ enum: WALLET_STATUSES }) status!: WalletStatus;
  @ApiProperty({ enum: ['fernet', 'kms'] }) encryption_scheme!: string;
  @ApiProperty({ description: 'Version of the key that sealed it' }) key_version!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: unknown;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) rotated_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revoked_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When the key last signed; null if never' })
  last_used_at!: string | null;
}

export class WalletDetailsDto extends WalletDto implements WalletDetails {
  @ApiProperty({ type: [WalletDto], description: 'Earlier keys of this wallet, newest first' }) history!: WalletDto[];
}

export class WalletPageDto {
  @ApiProperty({ type: [WalletDto] }) items!: WalletDto[];
  @ApiProperty({ description: 'Wallets with this status in all' }) total!: number;
}

export class AuditLogDto implements AuditLogView {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) wallet_id!: string | null;
  @ApiProperty({ example: 'wallet_rotated' }) action!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: AuditSeverity;
  @ApiProperty({ nullable: true, type: String, example: 'admin-key:1a2b3c4d' }) actor!: string | null;
  @ApiProperty({ nullable: true, type: String }) source_ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) request_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditLogDto] }) items!: AuditLogDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor!:
    string | null;
}

/** `{ valid: true, checked }`, or `{ valid: false, checked, first_invalid_id, reason }`. */
export class AuditVerificationDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ description: 'Rows checked before the answer' }) checked!: number;
  @ApiProperty({ required: false, description: 'The first row that no longer fits the chain' }) first_invalid_id?: string;
  @ApiProperty({ required: false, example: 'content does not match its hash' }) reason?: string;
}
