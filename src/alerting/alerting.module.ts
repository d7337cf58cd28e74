import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailerModule } from '@nestjs-modules/mailer';

import { AppConfigService } from '../config/app-config.service';
import { AlertService } from './alert.service';
import { AlertLog } from './alert-log.entity';
import { AlertLogRepository } from './alert-log.repository';
import { AlertingMetrics } from './alerting.metrics';
import { BreakerAlerts } from './breaker-alerts';
import { AlertDelivery } from './delivery/alert-delivery.entity';
import { AlertDeliveryRepository } from './delivery/alert-delivery.repository';
import { AlertDeliverySignal } from './delivery/alert-delivery.signal';
import { AlertDeliveryWorker } from './delivery/alert-delivery.worker';
import { AlertSender } from './delivery/alert-sender';
import { mailerOptions } from './delivery/mailer.options';

/**
 * Alerts persisted to `alert_logs` with their deliveries in `alert_deliveries`, sent by e-mail
 * and webhooks (Slack, PagerDuty, generic signed JSON) by the delivery worker on any instance;
 * breaker transitions are raised from here.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([AlertLog, AlertDelivery]),
    MailerModule.forRootAsync({
      imports: [],
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => mailerOptions(config.get('alerting').email),
    }),
  ],
  providers: [
    AlertDeliveryRepository,
    AlertLogRepository,
    AlertingMetrics,
    AlertDeliverySignal,
    AlertService,
    AlertSender,
    AlertDeliveryWorker,
    BreakerAlerts,
  ],
  exports: [AlertService],
})
export class AlertingModule {}
