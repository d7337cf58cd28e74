import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';

import { MetricsRegistry } from '../metrics/metrics.registry';
import { postJson } from '../outbox/http-post';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from '../outbox/payload-signature';
import { DELIVERY_RETRY, retryDelayMs } from '../outbox/retry-schedule';
import { CallbackDeliveryRepository, type ClaimedDelivery } from './callback-delivery.repository';
import { CallbackUrlPolicy } from './callback-url.policy';

/** `transaction.<status>`, also the body's `event`. */
export const EVENT_HEADER = 'x-haven-event';

/**
 * Sends one leased delivery and records what came of it: a 2xx is delivered (recorded as soon
 * as the receiver answered); a refused connection, a timeout, 408, 429 or 5xx is tried again
 * with backoff and jitter, honouring a longer Retry-After; any other 4xx is final. The body is
 * the payload stored when the status changed, signed with the client's secret as the outbox
 * signs every POST (`X-Haven-Signature` over `X-Haven-Timestamp` and the body).
 */
@Injectable()
export class CallbackDeliverer {
  private readonly logger = new Logger(CallbackDeliverer.name);
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly policy: CallbackUrlPolicy,
    metrics: MetricsRegistry,
  ) {
    this.outcomes = new Counter({
      name: 'haven_callback_deliveries_total',
      help: 'Status callback attempts by outcome: delivered, retry (to be tried again) or failed (final)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
  }

  async deliver(delivery: ClaimedDelivery): Promise<void> {
    const secret = this.policy.secretOf(delivery.clientId);
    if (secret === undefined) {
      // Its registration was removed: nothing to sign with, and the client asked for no more.
      await this.deliveries.markFailed(delivery, 'the client has no callback secret configured', false);
      this.outcomes.inc({ outcome: 'failed' });
      return;
    }
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const outcome = await postJson(delivery.callbackUrl, body, {
      [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
      [TIMESTAMP_HEADER]: String(timestamp),
      // Receivers deduplicate on it: a delivery whose outcome was not recorded goes out again under the same id.
      [DELIVERY_ID_HEADER]: delivery.id,
      [EVENT_HEADER]: `transaction.${delivery.eventStatus}`,
    });
    const context = { deliveryId: delivery.id, client: delivery.clientId, event: delivery.eventStatus };
    switch (outcome.kind) {
      case 'delivered':
        await this.deliveries.markDelivered(delivery);
        this.outcomes.inc({ outcome: 'delivered' });
        return;
      case 'retry': {
        const waitMs = retryDelayMs(delivery.attempts + 1, DELIVERY_RETRY, outcome.retryAfterMs);
        await this.deliveries.scheduleRetry(delivery, waitMs, outcome.reason);
        this.outcomes.inc({ outcome: 'retry' });
        this.logger.warn({ ...context, reason: outcome.reason, retryInMs: waitMs }, 'status callback not delivered; will retry');
        return;
      }
      case 'final':
        await this.deliveries.markFailed(delivery, outcome.reason, true);
        this.outcomes.inc({ outcome: 'failed' });
        this.logger.warn({ ...context, reason: outcome.reason }, 'status callback refused by the receiver; not retried');
        return;
    }
  }
}
