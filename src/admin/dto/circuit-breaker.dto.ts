import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

import { BreakerReport } from '../../circuit-breaker/breaker-report';

export class CircuitBreakerListDto {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(BreakerReport) }, description: 'Every breaker, by name' })
  circuit_breakers!: Record<string, BreakerReport>;

  // The Python backend's admin API answered with these counts; operators' scripts read them.
  @ApiProperty({ description: 'How many breakers there are' }) total_count!: number;
  @ApiProperty({ description: 'How many are open (refusing calls)' }) open_count!: number;
  @ApiProperty({ description: 'How many are half open (probing)' }) half_open_count!: number;
}

export class CircuitBreakerResetDto extends BreakerReport {
  @ApiProperty({ example: 'blockchain' }) name!: string;
}
