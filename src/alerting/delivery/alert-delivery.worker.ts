import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { ProcessRole } from '../../bootstrap/process-role';
import { findOpenBreaker } from '../../circuit-breaker/circuit-breaker.errors';
import { AppConfigService } from '../../config/app-config.service';
import { ALERT_CHANNELS } from '../../config/env.schema';
import type { DeliveryOutcome } from '../../outbox/delivery-outcome';
import { DELIVERY_RETRY, retryDelayMs } from '../../outbox/retry-schedule';
import { BackgroundLoop } from '../../transactions/pipeline/background-loop';
import { AlertCategory } from '../alert.constants';
import { AlertService } from '../alert.service';
import type { AlertLog } from '../alert-log.entity';
import { AlertLogRepository } from '../alert-log.repository';
import { AlertingMetrics } from '../alerting.metrics';
import { AlertDeliveryRepository, type ClaimedDelivery } from './alert-delivery.repository';
import { AlertDeliverySignal } from './alert-delivery.signal';
import { destinationOf, escalationTargets } from './alert-routing';
import { AlertSender } from './alert-sender';

/** Between looks for due deliveries when nothing wakes the worker: alerts raised on other instances wait this long at most. */
const POLL_MS = 2_000;
/** Deliveries sent at once by one instance. */
const CLAIM_LIMIT = 20;
/** Longer than any send may take (a 10 s HTTP timeout, SMTP's own); past it another instance takes the delivery over. */
const LEASE_MS = 60_000;
/** How often each instance looks for critical alerts to escalate. */
const ESCALATION_CHECK_MS = 2_000;
/** After this many failed attempts a delivery is reported as failing, though it keeps being retried. */
export const KEEPS_FAILING_ATTEMPTS = 5;

/**
 * Delivers the alert outbox from any number of instances: claims due deliveries (each by one
 * instance), sends each through its channel's breaker, and records the outcome on the row:
 * delivered, retried with backoff, or failed for good. Escalates critical alerts left open.
 * A delivery that fails for good, or keeps failing, raises `alert_delivery_failed`, except
 * for deliveries of that very category, which would otherwise feed on themselves.
 */
@Injectable()
export class AlertDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertDeliveryWorker.name);
  private readonly loop: BackgroundLoop;
  private nextEscalationCheck = 0;

  constructor(
    private readonly config: AppConfigService,
    private readonly deliveries: AlertDeliveryRepository,
    private readonly alertLogs: AlertLogRepository,
    private readonly alerts: AlertService,
    private readonly sender: AlertSender,
    private readonly signal: AlertDeliverySignal,
    private readonly metrics: AlertingMetrics,
    private readonly role: ProcessRole,
  ) {
    this.loop = new BackgroundLoop(
      'AlertDeliveryWorker',
      () => this.step(),
      (stop) => this.signal.waitForWork(POLL_MS, stop),
    );
  }

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(AlertDeliveryWorker.name, () => this.loop.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One step: escalate what is due, then claim and send a batch. 'idle' when nothing was due. */
  async step(): Promise<'busy' | 'idle'> {
    await this.escalateIfDue();
    // A channel whose breaker refuses is not claimed: its deliveries wait, their attempts untouched.
    const channels = ALERT_CHANNELS.filter((channel) => !this.sender.isRefusing(channel));
    if (channels.length === 0) return 'idle';
    const claimed = await this.deliveries.claim(channels, CLAIM_LIMIT, LEASE_MS);
    if (claimed.length === 0) return 'idle';
    const alerts = new Map((await this.alertLogs.findByIds([...new Set(claimed.map((d) => d.alertId))])).map((a) => [a.id, a]));
    await Promise.all(claimed.map((delivery) => this.deliver(delivery, alerts.get(delivery.alertId)!)));
    return 'busy';
  }

  private async deliver(delivery: ClaimedDelivery, alert: AlertLog): Promise<void> {
    const alerting = this.config.get('alerting');
    const destination = destinationOf(delivery.target, alerting);
    let outcome: DeliveryOutcome;
    if (destination === null) {
      outcome = { kind: 'final', reason: 'target no longer configured' };
    } else {
      const notice = {
        deliveryId: delivery.id,
        event: delivery.event,
        alert,
        environment: this.config.get('environment'),
        escalationMinutes: alerting.escalationMinutes,
      };
      try {
        outcome = await this.sender.send(notice, destination);
      } catch (error) {
        const open = findOpenBreaker(error);
        if (open !== undefined) return this.deliveries.postpone(delivery, open.retryAt);
        this.logger.error({ err: error, deliveryId: delivery.id, target: delivery.target }, 'alert delivery attempt failed unexpectedly');
        outcome = { kind: 'retry', reason: 'delivery error' };
      }
    }
    await this.record(delivery, alert, outcome);
  }

  private async record(delivery: ClaimedDelivery, alert: AlertLog, outcome: DeliveryOutcome): Promise<void> {
    const attempts = delivery.attempts + 1;
    const context = { alertId: alert.id, deliveryId: delivery.id, event: delivery.event, target: delivery.target, attempts };
    if (outcome.kind === 'delivered') {
      await this.deliveries.recordDelivered(delivery);
      this.metrics.deliveryAttempted(delivery.channel, 'delivered');
      this.logger.log(context, 'alert delivered');
      // The target works again: a standing "delivery failing" alert about it is over.
      await this.alerts.resolveCondition(failureKey(delivery.target), 'alert-delivery');
      return;
    }
    if (outcome.kind === 'retry') {
      const delayMs = retryDelayMs(attempts, DELIVERY_RETRY, outcome.retryAfterMs);
      await this.deliveries.recordRetry(delivery, outcome.reason, delayMs);
      this.metrics.deliveryAttempted(delivery.channel, 'retry');
      this.logger.warn({ ...context, reason: outcome.reason, retryInMs: delayMs }, 'alert delivery will be retried');
      if (attempts === KEEPS_FAILING_ATTEMPTS) await this.reportFailure(delivery, alert, attempts, outcome.reason, false);
      return;
    }
    await this.deliveries.recordFailed(delivery, outcome.reason);
    this.metrics.deliveryAttempted(delivery.channel, 'failed');
    this.logger.error({ ...context, reason: outcome.reason }, 'alert delivery failed for good');
    await this.reportFailure(delivery, alert, attempts, outcome.reason, true);
  }

  private async reportFailure(delivery: ClaimedDelivery, alert: AlertLog, attempts: number, reason: string, final: boolean): Promise<void> {
    if (alert.category === AlertCategory.ALERT_DELIVERY_FAILED) return;
    await this.alerts.raise({
      severity: 'error',
      category: AlertCategory.ALERT_DELIVERY_FAILED,
      title: `Alerts to ${delivery.target} are not getting through`,
      message: final
        ? `Delivering alert "${alert.title}" to the ${delivery.channel} target ${delivery.target} failed for good (${reason}); it will not be retried. ` +
          'Check the receiver and its configuration (URL, routing key, recipients); this alert resolves itself once a delivery to it succeeds.'
        : `Delivering alert "${alert.title}" to the ${delivery.channel} target ${delivery.target} failed ${attempts} times (last: ${reason}); ` +
          'it is still being retried. Check that the receiver is reachable; this alert resolves itself once a delivery to it succeeds.',
      data: { target: delivery.target, channel: delivery.channel, alert_id: alert.id, delivery_id: delivery.id, attempts, reason, final },
      dedupKey: failureKey(delivery.target),
    });
  }

  private async escalateIfDue(): Promise<void> {
    if (Date.now() < this.nextEscalationCheck) return;
    this.nextEscalationCheck = Date.now() + ESCALATION_CHECK_MS;
    const alerting = this.config.get('alerting');
    const targets = escalationTargets(alerting);
    if (targets.length === 0) return;
    const escalated = await this.alertLogs.escalateDue(alerting.escalationMinutes, targets);
    if (escalated.length > 0) this.logger.warn({ alertIds: escalated }, 'critical alerts unacknowledged; escalated');
  }
}

/** One standing "delivery failing" alert per target. */
const failureKey = (target: string): string => `alert-delivery:${target}`;
