import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

import { BreakerReport } from '../circuit-breaker/breaker-report';
import type { OverallStatus } from './health-report.service';

const STATUSES: OverallStatus[] = ['ok', 'degraded', 'error'];
const CHECK = { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } } as const;

/** What `/health` tells any caller. */
export class HealthStatusDto {
  @ApiProperty({
    enum: STATUSES,
    description: '`error`: the database or Redis is unreachable (503); `degraded`: the chain, a breaker or a held queue (200)',
  })
  status!: OverallStatus;
}

/** What `/health` tells a caller with an admin key or the details token. */
export class HealthDetailsDto extends HealthStatusDto {
  @ApiProperty({ ...CHECK, description: 'Checks that are up: database, redis, blockchain' }) info!: Record<string, unknown>;
  @ApiProperty({ ...CHECK, description: 'Checks that are down, with why' }) error!: Record<string, unknown>;
  @ApiProperty({ ...CHECK, description: 'Every check' }) details!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(BreakerReport) }, description: 'Every breaker, by name' })
  circuit_breakers!: Record<string, BreakerReport>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Backlog, conditions holding sending, gas price and the signer's nonces",
  })
  monitoring!: Record<string, unknown>;
}
