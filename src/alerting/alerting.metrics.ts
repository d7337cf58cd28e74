import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';

import type { AlertChannel } from '../config/env.schema';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { ScrapeRead } from '../metrics/scrape-read';
import type { AlertSeverity } from './alert.constants';
import { AlertDeliveryRepository } from './delivery/alert-delivery.repository';

export type DeliveryMetricOutcome = 'delivered' | 'retry' | 'failed';

/** Alerts raised and delivered, under the names the dashboards and Prometheus rules use. */
@Injectable()
export class AlertingMetrics {
  private readonly logger = new Logger(AlertingMetrics.name);
  private readonly raised: Counter<'severity' | 'category'>;
  private readonly deliveries: Counter<'channel' | 'outcome'>;

  constructor(metrics: MetricsRegistry, repository: AlertDeliveryRepository) {
    this.raised = new Counter({
      name: 'haven_alerts_raised_total',
      help: 'Alerts raised by this instance, repeats grouped on an open alert included',
      labelNames: ['severity', 'category'],
      registers: [metrics],
    });
    this.deliveries = new Counter({
      name: 'haven_alert_deliveries_total',
      help: 'Alert delivery attempts by this instance: delivered, to be retried, or failed for good',
      labelNames: ['channel', 'outcome'],
      registers: [metrics],
    });
    // Read at most every 5 s and never holding a scrape past 2 s: with the pool exhausted the
    // count would wait for a connection and take every other metric down with it.
    const pending = new ScrapeRead(
      'pending alert deliveries',
      () => repository.pendingCount(),
      { ttlMs: 5_000, timeoutMs: 2_000 },
      this.logger,
    );
    new Gauge({
      name: 'haven_alert_deliveries_pending',
      help: 'Alert deliveries not yet delivered nor failed, across every instance (the same on each: aggregate with max)',
      registers: [metrics],
      async collect() {
        const count = await pending.get();
        if (count !== undefined) this.set(count);
      },
    });
  }

  alertRaised(severity: AlertSeverity, category: string): void {
    this.raised.inc({ severity, category });
  }

  deliveryAttempted(channel: AlertChannel, outcome: DeliveryMetricOutcome): void {
    this.deliveries.inc({ channel, outcome });
  }
}
