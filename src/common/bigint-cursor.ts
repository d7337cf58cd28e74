import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateBy } from 'class-validator';

/** The largest `bigint` (int8) PostgreSQL holds. */
const MAX_BIGINT_ID = 2n ** 63n - 1n;

/**
 * The optional keyset cursor of a list over a table with a `bigint` id: the previous page's
 * last id, in digits. A cursor outside the int8 range could never name a row, and PostgreSQL
 * would refuse it with an error rather than an empty page.
 */
export const BigintIdCursor = ({ rows, previous }: { rows: string; previous: string }): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      pattern: '^\\d{1,19}$',
      description: `The ${previous} of the previous page: ${rows} id, 0 to ${MAX_BIGINT_ID}`,
    }),
    IsOptional(),
    ValidateBy({
      name: 'isBigintIdCursor',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_BIGINT_ID,
        defaultMessage: () => `$property must be ${rows} id from 0 to ${MAX_BIGINT_ID}`,
      },
    }),
  );
