import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * The optional `limit` of a paged query: a whole number from 1 to `max`, written in digits. `fallback` is what
 * the route uses without one; it is documented here, applied by the route.
 */
export const PageLimit = ({ max, fallback }: { max: number; fallback: number }): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: max, default: fallback }),
    IsOptional(),
    // Digits only: Number() would also read '', ' 5' and '0x10' as numbers.
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)),
    IsInt(),
    Min(1),
    Max(max),
  );
