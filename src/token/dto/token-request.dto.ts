import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

import { IsUserId, USER_ID_RULE } from '../../common/ids';

// Printable text without control characters: it is written on chain in the event.
const REASON = /^[^\p{Cc}]+$/u;

abstract class TokenRequestDto {
  @ApiProperty({ example: 'guest-8812', description: `The partner app’s id for the user (${USER_ID_RULE})` })
  @IsUserId()
  userId!: string;

  @ApiProperty({ example: '12.5', description: 'Whole HAVEN as a decimal string, at most 18 decimals; never a number' })
  @IsString({ message: 'amount must be a decimal string such as "12.5"' })
  amount!: string;

  @ApiProperty({ example: 'hotel stay #4411', description: 'Recorded on chain in the Minted/Burned event (1-256 characters)' })
  @IsString()
  @Length(1, 256)
  @Matches(REASON, { message: 'reason must be printable text' })
  reason!: string;
}

export class MintRequestDto extends TokenRequestDto {
  @ApiPropertyOptional({
    example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    description: 'Recipient; default: the user’s custodial wallet',
  })
  @IsOptional()
  @IsString()
  to?: string;
}

export class RedeemRequestDto extends TokenRequestDto {
  @ApiPropertyOptional({
    example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    description: 'Holder to burn from; default: the user’s custodial wallet',
  })
  @IsOptional()
  @IsString()
  from?: string;
}
