import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, Length, Matches } from 'class-validator';

import { IsUserId, USER_ID_RULE } from '../../../common/ids';
import { IDEMPOTENCY_KEY } from '../../request-identity';

// Optional fields may also be null: Python clients send a dict's None as null, and pydantic read
// it as absent. (class-validator's IsOptional skips null as well as undefined.)
// Printable text without control characters or lone surrogates, as the modern routes' reason:
// whatever ends up in `reason` is written on chain.
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;
const PLAIN_DECIMAL = '^(0|[1-9][0-9]*)([.][0-9]+)?$';

const USER_ID = {
  example: 'guest-42',
  description: `The partner app’s id for the user, and the id of the user’s custodial wallet (${USER_ID_RULE})`,
};

const AMOUNT = {
  // Both forms Python clients send; a number is read from its digits, never through a float.
  oneOf: [
    { type: 'number', description: 'e.g. 12.345678901234567891 or 1e-05: read exactly; at most 18 decimals, no sign' },
    { type: 'string', pattern: PLAIN_DECIMAL, description: 'a plain decimal, as the modern routes take it' },
  ],
  example: 12.5,
  description: 'Whole HAVEN, greater than zero, at most 18 decimals: 400 INVALID_AMOUNT otherwise',
};

// `type` given: the reflected type of `string | null` is Object, which the document would say.
const IDEMPOTENCY_KEY_SCHEMA = {
  type: String,
  pattern: IDEMPOTENCY_KEY.source,
  minLength: 1,
  maxLength: 255,
  example: 'stay-4411-reward',
};

export class PythonMintRequestDto {
  @ApiProperty(USER_ID)
  @IsUserId()
  user_id!: string;

  @ApiProperty(AMOUNT)
  @IsDefined()
  amount!: unknown;

  @ApiProperty({ example: 'stay reward', minLength: 1, maxLength: 256, pattern: PRINTABLE.source, description: 'Recorded on chain' })
  @IsString()
  @Length(1, 256)
  @Matches(PRINTABLE, { message: 'reason must be printable text' })
  reason!: string;

  @ApiPropertyOptional({
    ...IDEMPOTENCY_KEY_SCHEMA,
    nullable: true,
    description:
      'A retry with the same key answers status "duplicate" with the first tx_id and mints nothing more. ' +
      'Without it (or null) every call is a new mint, as it was on the Python backend. Malformed: 400 MISSING_IDEMPOTENCY_KEY.',
  })
  @IsOptional()
  @IsString()
  idempotency_key?: string | null;
}

export class PythonRedeemRequestDto {
  @ApiProperty(USER_ID)
  @IsUserId()
  user_id!: string;

  @ApiProperty(AMOUNT)
  @IsDefined()
  amount!: unknown;

  @ApiProperty({
    example: 'bank_transfer',
    minLength: 1,
    maxLength: 64,
    pattern: PRINTABLE.source,
    description: 'Kept in the redemption’s reason, which is recorded on chain',
  })
  @IsString()
  @Length(1, 64)
  @Matches(PRINTABLE, { message: 'withdrawal_method must be printable text' })
  withdrawal_method!: string;

  @ApiPropertyOptional({
    type: String,
    example: 'payout-ref-8812',
    minLength: 1,
    maxLength: 128,
    pattern: PRINTABLE.source,
    nullable: true,
    description: 'Kept in the redemption’s reason, which is recorded on chain and public: send a reference, not bank details',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'withdrawal_address must be printable text' })
  withdrawal_address?: string | null;

  // Required, yet checked by the service rather than here: missing or malformed, it is answered
  // 400 MISSING_IDEMPOTENCY_KEY, the code the modern routes use for the same mistake.
  @ApiProperty({ ...IDEMPOTENCY_KEY_SCHEMA, description: 'Required: a retry with the same key answers "duplicate" and burns nothing more' })
  @IsOptional()
  @IsString()
  idempotency_key?: string | null;
}
