import { ApiProperty } from '@nestjs/swagger';

import type { BreakerState } from './breaker-state';
import type { BreakerStatus } from './circuit-breaker.registry';

const STATES: BreakerState[] = ['closed', 'open', 'half_open'];

/** One breaker as `/health` and the admin API show it. */
export class BreakerReport {
  @ApiProperty({ enum: STATES }) state!: BreakerState;
  @ApiProperty({ description: 'Failures since the breaker last closed' }) failure_count!: number;
  @ApiProperty({ description: 'Successful probes since it went half-open' }) success_count!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) opened_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When an open breaker lets the next probe through' })
  retry_at!: string | null;
  @ApiProperty() failure_threshold!: number;
  @ApiProperty() success_threshold!: number;
  @ApiProperty() timeout_seconds!: number;
}

export function breakerReport({ snapshot, settings, retryAt }: BreakerStatus): BreakerReport {
  return {
    state: snapshot.state,
    failure_count: snapshot.failureCount,
    success_count: snapshot.successCount,
    opened_at: snapshot.openedAt === null ? null : new Date(snapshot.openedAt).toISOString(),
    retry_at: retryAt?.toISOString() ?? null,
    failure_threshold: settings.failureThreshold,
    success_threshold: settings.successThreshold,
    timeout_seconds: settings.openTimeoutMs / 1000,
  };
}

/** Every breaker by name, as `/health` and the admin API list them. */
export function breakerReports(statuses: readonly BreakerStatus[]): Record<string, BreakerReport> {
  return Object.fromEntries(statuses.map((status) => [status.name, breakerReport(status)]));
}
