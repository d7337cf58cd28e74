import { Injectable } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';

import type { CircuitBreaker } from '../../circuit-breaker/circuit-breaker';
import { CircuitBreakerRegistry } from '../../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../../config/app-config.service';
import type { AlertChannel } from '../../config/env.schema';
import type { DeliveryOutcome } from '../../outbox/delivery-outcome';
import { postJson } from '../../outbox/http-post';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from '../../outbox/payload-signature';
import type { AlertNotice } from './alert-notice';
import type { Destination } from './alert-routing';
import { alertEmail } from './email-format';
import { genericBody } from './generic-format';
import { pagerDutyBody } from './pagerduty-format';
import { slackBody } from './slack-format';

/** Mail headers naming the delivery (receivers drop repeats) and the alert. */
const ALERT_ID_HEADER = 'x-haven-alert';

/**
 * A failed attempt that says the dependency is down (unreachable, timing out, 5xx), thrown
 * inside the breaker so it counts against it; a refusal (4xx) or a 429 says the receiver is up.
 */
class ReceiverDownError extends Error {
  constructor(readonly outcome: DeliveryOutcome) {
    super('receiver down');
  }
}

/**
 * Sends one notice to one destination in its format, through the `smtp` or `webhook` breaker.
 * Never throws for a receiver's answer (that is the outcome); throws `CircuitBreakerOpenError`
 * when the breaker refuses, so the delivery waits without counting an attempt.
 */
@Injectable()
export class AlertSender {
  private readonly smtp: CircuitBreaker;
  private readonly webhook: CircuitBreaker;

  constructor(
    private readonly mailer: MailerService,
    private readonly config: AppConfigService,
    breakers: CircuitBreakerRegistry,
  ) {
    this.smtp = breakers.register('smtp');
    this.webhook = breakers.register('webhook');
  }

  /** True while the channel's breaker would refuse without trying: its deliveries are not claimed. */
  isRefusing(channel: AlertChannel): boolean {
    return (channel === 'email' ? this.smtp : this.webhook).isRefusing();
  }

  async send(notice: AlertNotice, destination: Destination): Promise<DeliveryOutcome> {
    if (destination.channel === 'email') return this.through(this.smtp, () => this.email(notice, destination.recipients));
    const { secret, pagerDutyRoutingKey } = this.config.get('alerting').webhook;
    const headers: Record<string, string> = { [DELIVERY_ID_HEADER]: notice.deliveryId };
    let body: string;
    if (destination.channel === 'slack') body = JSON.stringify(slackBody(notice));
    else if (destination.channel === 'pagerduty') {
      if (pagerDutyRoutingKey === undefined) return { kind: 'final', reason: 'no PagerDuty routing key configured' };
      body = JSON.stringify(pagerDutyBody(notice, pagerDutyRoutingKey));
    } else {
      if (secret === undefined) return { kind: 'final', reason: 'no webhook signing secret configured' };
      body = JSON.stringify(genericBody(notice));
      const timestamp = Math.floor(Date.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = signPayload(secret, timestamp, body);
    }
    return this.through(this.webhook, () => postJson(destination.url, body, headers));
  }

  private async email(notice: AlertNotice, recipients: string[]): Promise<DeliveryOutcome> {
    const { subject, html, text } = alertEmail(notice);
    try {
      await this.mailer.sendMail({
        from: this.config.get('alerting').email.from,
        to: recipients,
        subject,
        html,
        text,
        headers: { [DELIVERY_ID_HEADER]: notice.deliveryId, [ALERT_ID_HEADER]: notice.alert.id },
      });
      return { kind: 'delivered' };
    } catch (error) {
      return smtpOutcome(error);
    }
  }

  private async through(breaker: CircuitBreaker, attempt: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    try {
      return await breaker.execute(async () => {
        const outcome = await attempt();
        if (outcome.kind === 'retry' && (outcome.status === undefined || outcome.status >= 500)) throw new ReceiverDownError(outcome);
        return outcome;
      });
    } catch (error) {
      if (error instanceof ReceiverDownError) return error.outcome;
      throw error;
    }
  }
}

/**
 * An SMTP failure by its reply code: 5xx is permanent (a refused recipient, bad credentials),
 * 4xx transient, no reply at all a network failure. The reason carries codes only: server
 * replies may quote addresses and configuration.
 */
export function smtpOutcome(error: unknown): DeliveryOutcome {
  const { responseCode, code } = error as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === 'number') {
    const reason = `SMTP ${responseCode}`;
    return responseCode >= 500 ? { kind: 'final', reason } : { kind: 'retry', reason };
  }
  return { kind: 'retry', reason: typeof code === 'string' ? `SMTP ${code}` : 'SMTP error' };
}
