import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

import { BreakerReport } from '../../circuit-breaker/breaker-report';

export class CircuitBreakerListDto {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(BreakerReport) }, description: 'Every breaker, by name' })
  circuit_breakers!: Record<string, BreakerReport>;
}

export class CircuitBreakerResetDto extends BreakerReport {
  @ApiProperty({ example: 'blockchain' }) name!: string;
}
