import { randomUUID } from 'node:crypto';

import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MailerModule } from '@nestjs-modules/mailer';

import { AlertCategory } from '../../../alerting/alert.constants';
import type { AlertNotice } from '../../../alerting/delivery/alert-notice';
import { destinationOf, everyTarget } from '../../../alerting/delivery/alert-routing';
import { AlertSender } from '../../../alerting/delivery/alert-sender';
import { mailerOptions } from '../../../alerting/delivery/mailer.options';
import { CircuitBreakerModule } from '../../../circuit-breaker/circuit-breaker.module';
import type { AppConfig } from '../../../config/app-config';
import { ConfigModule } from '../../../config/config.module';
import { RedisModule } from '../../../redis/redis.module';
import { type CheckRow, fail, pass, type PreflightCheck, warn } from '../preflight.check';
import { errorDetail } from '../preflight.runner';

/** Starting the sender and one round trip per target, the targets in parallel. */
const TEST_ALERT_TIMEOUT_MS = 20_000;

/**
 * `--send-test-alert`: one `system_test` notice to every configured target (routes and
 * escalation), through the service's own `AlertSender` (formats, signing, breakers, mailer).
 * Sent directly, not queued: nothing is written to the database, so it works before go-live.
 */
export function testAlertCheck(config: AppConfig): PreflightCheck {
  return {
    name: 'test alert',
    timeoutMs: TEST_ALERT_TIMEOUT_MS,
    async run(): Promise<CheckRow[]> {
      const targets = everyTarget(config.alerting);
      if (targets.length === 0) return [warn('test alert', 'no alert channel enabled: nothing to send to')];

      @Module({
        imports: [
          ConfigModule.forRoot(config),
          RedisModule,
          CircuitBreakerModule,
          MailerModule.forRoot(mailerOptions(config.alerting.email)),
        ],
        providers: [AlertSender],
      })
      class TestAlertModule {}

      const context = await NestFactory.createApplicationContext(TestAlertModule, { logger: false });
      try {
        const sender = context.get(AlertSender);
        const notice = testNotice(config);
        return await Promise.all(
          targets.map(async ({ target }): Promise<CheckRow> => {
            const name = `test alert ${target}`;
            const destination = destinationOf(target, config.alerting);
            if (destination === null) return fail(name, 'target not configured');
            try {
              const outcome = await sender.send(notice, destination);
              return outcome.kind === 'delivered' ? pass(name, 'delivered') : fail(name, `not delivered: ${outcome.reason}`);
            } catch (error) {
              return fail(name, errorDetail(error));
            }
          }),
        );
      } finally {
        await context.close();
      }
    },
  };
}

function testNotice(config: AppConfig): AlertNotice {
  const now = new Date();
  return {
    deliveryId: randomUUID(),
    event: 'test',
    environment: config.environment,
    escalationMinutes: config.alerting.escalationMinutes,
    alert: {
      id: randomUUID(),
      severity: 'info',
      category: AlertCategory.SYSTEM_TEST,
      title: 'Pre-flight test alert from the HAVEN token backend',
      message: 'Sent by `npm run preflight -- --send-test-alert` to check that this channel receives alerts. Nothing is wrong.',
      data: {},
      status: 'open',
      occurrences: 1,
      dedupKey: null,
      createdAt: now,
      lastOccurredAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      escalatedAt: null,
    },
  };
}
