import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import type { BreakerTransition } from '../circuit-breaker/circuit-breaker.registry';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { AlertCategory, type AlertSeverity } from './alert.constants';
import { type AlertInput, AlertService } from './alert.service';

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

/** What each breaker stops while open, for the person reading the alert. */
const STOPS: Record<string, string> = {
  blockchain: 'Mints and redemptions are not sent; accepted requests stay queued and go out once the node answers again.',
  kms: 'Custodial wallets cannot be created, rotated or used for signing until KMS answers again.',
  smtp: 'E-mail alerts are not sent; they wait in alert_deliveries, attempts not counted, and go out once it closes.',
  webhook:
    'Webhook alerts (Slack, PagerDuty, generic) are not sent; they wait in alert_deliveries, attempts not counted, and go out once it closes.',
};

export function alertFor({ breaker, from, to, snapshot, settings }: BreakerTransition): AlertInput {
  const severity: AlertSeverity = to === 'open' ? (CRITICAL_BREAKERS.has(breaker) ? 'critical' : 'warning') : 'info';
  const timeoutSeconds = settings.openTimeoutMs / 1000;
  const title =
    to === 'open'
      ? `Circuit breaker '${breaker}' opened after ${snapshot.failureCount} failures`
      : to === 'half_open'
        ? `Circuit breaker '${breaker}' is probing recovery`
        : from === 'half_open'
          ? `Circuit breaker '${breaker}' closed: dependency recovered`
          : `Circuit breaker '${breaker}' closed without a probe: reset, or its shared state was lost`;
  const message =
    to === 'open'
      ? `Calls to '${breaker}' failed ${snapshot.failureCount} times in a row, so they are refused for ${timeoutSeconds} s before a probe. ` +
        `${STOPS[breaker] ?? 'Calls through it fail at once.'} Check that the dependency is reachable and healthy; ` +
        `the breaker closes by itself after successful probes, or reset it with POST /api/v1/admin/health/circuit-breakers/${breaker}/reset.`
      : to === 'half_open'
        ? `After ${timeoutSeconds} s open, '${breaker}' lets one probe call through; it closes after successful probes or reopens on a failure. Nothing to do yet.`
        : from === 'half_open'
          ? `Calls to '${breaker}' succeed again and are no longer refused. Nothing to do; check that work held back while it was open has resumed.`
          : `'${breaker}' was ${from} and is closed now without a successful probe: an operator reset it, or Redis lost the shared ` +
            'breaker state (restarted empty). Calls go through again; if the dependency still fails, the breaker opens again.';
  return {
    severity,
    category: AlertCategory.CIRCUIT_BREAKER,
    title,
    message,
    dedupKey: `circuit-breaker:${breaker}:${to}`,
    data: {
      breaker,
      from,
      to,
      failure_count: snapshot.failureCount,
      opened_at: snapshot.openedAt === null ? null : new Date(snapshot.openedAt).toISOString(),
      timeout_seconds: timeoutSeconds,
    },
  };
}
