import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import type { BreakerTransition } from '../circuit-breaker/circuit-breaker.registry';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { AlertService } from './alert.service';
import type { AlertSeverity } from './alert-log.entity';

/** Breakers whose opening stops the product (mints and burns), as opposed to a side channel. */
const CRITICAL_BREAKERS = new Set(['blockchain', 'kms']);

/**
 * Turns every breaker transition into an alert. Only the instance that made a transition
 * hears it, so the fleet raises each one once.
 */
@Injectable()
export class BreakerAlerts implements OnModuleInit {
  private readonly logger = new Logger(BreakerAlerts.name);

  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly alerts: AlertService,
  ) {}

  onModuleInit(): void {
    this.breakers.onTransition((transition) => {
      this.alerts
        .raise(alertFor(transition))
        .catch((error: unknown) =>
          this.logger.error({ err: error, breaker: transition.breaker, to: transition.to }, 'could not record a breaker alert'),
        );
    });
  }
}

export function alertFor({ breaker, from, to, snapshot, settings }: BreakerTransition) {
  const severity: AlertSeverity = to === 'open' ? (CRITICAL_BREAKERS.has(breaker) ? 'critical' : 'warning') : 'info';
  const title =
    to === 'open'
      ? `Circuit breaker '${breaker}' opened after ${snapshot.failureCount} failures`
      : to === 'half_open'
        ? `Circuit breaker '${breaker}' is probing recovery`
        : `Circuit breaker '${breaker}' closed: dependency recovered`;
  return {
    severity,
    category: 'circuit_breaker',
    title,
    dedupKey: `circuit-breaker:${breaker}:${to}`,
    details: {
      breaker,
      from,
      to,
      failure_count: snapshot.failureCount,
      opened_at: snapshot.openedAt === null ? null : new Date(snapshot.openedAt).toISOString(),
      timeout_seconds: settings.openTimeoutMs / 1000,
    },
  };
}
