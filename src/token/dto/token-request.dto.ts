import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';

import { IsUserId, USER_ID_RULE } from '../../common/ids';

// Printable text without control characters or lone surrogates (half an emoji cannot be
// stored as sent): it is written on chain in the event.
export const REASON = /^[^\p{Cc}\p{Cs}]+$/u;
// What parseTokenAmount reads; it refuses more than 18 decimals and zero itself.
export const AMOUNT_PATTERN = '^(0|[1-9][0-9]*)([.][0-9]+)?$';
export const ADDRESS_PATTERN = '^0x[0-9a-fA-F]{40}$';
export const CALLBACK_URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, disallow_auth: true };
export const CALLBACK_URL_MESSAGE = 'callbackUrl must be an http(s) URL without credentials';

abstract class TokenRequestDto {
  @ApiProperty({ example: 'guest-8812', description: `The partner app’s id for the user (${USER_ID_RULE})` })
  @IsUserId()
  userId!: string;

  @ApiProperty({
    example: '12.5',
    pattern: AMOUNT_PATTERN,
    description: 'Whole HAVEN as a decimal string, at most 18 decimals; never a number',
  })
  @IsString({ message: 'amount must be a decimal string such as "12.5"' })
  amount!: string;

  @ApiProperty({
    example: 'hotel stay #4411',
    minLength: 1,
    maxLength: 256,
    pattern: REASON.source,
    description: 'Recorded on chain in the Minted/Burned event (1-256 characters, no control characters)',
  })
  @IsString()
  @Length(1, 256)
  @Matches(REASON, { message: 'reason must be printable text' })
  reason!: string;

  @ApiPropertyOptional({
    example: 'https://hooks.partner.example/haven/status',
    format: 'uri',
    maxLength: 2048,
    description:
      'Where this request’s status changes are POSTed (docs/callbacks.md); default: the URL registered for your app. ' +
      'Must have the scheme, host and port of that URL: 422 CALLBACK_URL_NOT_ALLOWED otherwise, or if none is registered. ' +
      'A retry with the same Idempotency-Key keeps the URL of the first request.',
  })
  @IsOptional()
  @MaxLength(2048)
  @IsUrl(CALLBACK_URL_OPTIONS, { message: CALLBACK_URL_MESSAGE })
  callbackUrl?: string;
}

export class MintRequestDto extends TokenRequestDto {
  @ApiPropertyOptional({
    example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    pattern: ADDRESS_PATTERN,
    description: 'Recipient; default: the user’s custodial wallet',
  })
  @IsOptional()
  @IsString()
  to?: string;
}

export class RedeemRequestDto extends TokenRequestDto {
  @ApiPropertyOptional({
    example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    pattern: ADDRESS_PATTERN,
    description: 'Holder to burn from; default: the user’s custodial wallet',
  })
  @IsOptional()
  @IsString()
  from?: string;
}
