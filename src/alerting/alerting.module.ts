import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AlertService } from './alert.service';
import { AlertLog } from './alert-log.entity';
import { AlertLogRepository } from './alert-log.repository';
import { BreakerAlerts } from './breaker-alerts';

/** Alerts persisted to `alert_logs`; breaker transitions are raised from here. */
@Module({
  imports: [TypeOrmModule.forFeature([AlertLog])],
  providers: [AlertLogRepository, AlertService, BreakerAlerts],
  exports: [AlertService],
})
export class AlertingModule {}
