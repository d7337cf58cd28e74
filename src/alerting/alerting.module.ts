import { Module } from '@nestjs/common';

import { AlertService } from './alert.service';
import { BreakerAlerts } from './breaker-alerts';

/** Alerts persisted to `alert_logs`; breaker transitions are raised from here. */
@Module({
  providers: [AlertService, BreakerAlerts],
  exports: [AlertService],
})
export class AlertingModule {}
