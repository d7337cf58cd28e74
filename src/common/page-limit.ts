import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * The optional `limit` of a paged query: a whole number from 1 to `max`. `fallback` is what
 * the route uses without one; it is documented here, applied by the route.
 */
export const PageLimit = ({ max, fallback }: { max: number; fallback: number }): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: max, default: fallback }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(max),
  );
