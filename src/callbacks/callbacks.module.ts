import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { CallbackDeliverer } from './callback-deliverer';
import { CallbackDelivery } from './callback-delivery.entity';
import { CallbackDeliveryRepository } from './callback-delivery.repository';
import { CallbackDeliveryWorker } from './callback-delivery.worker';
import { CallbackDeliveryLog } from './callback-delivery-log';
import { CallbackUrlPolicy } from './callback-url.policy';
import { CallbackWakeups } from './callback-wakeups';

/**
 * Status callbacks to client apps. Intake resolves each request's callback URL here
 * (`CallbackUrlPolicy`); a trigger on `transactions` records every status change owed in
 * `callback_deliveries`; the worker delivers them, signed, in order per transaction, on any
 * instance; the admin API reads the log (`CallbackDeliveryLog`). See docs/callbacks.md.
 */
@Module({
  imports: [TypeOrmModule.forFeature([CallbackDelivery])],
  providers: [
    CallbackDeliverer,
    CallbackDeliveryLog,
    CallbackDeliveryRepository,
    CallbackDeliveryWorker,
    CallbackUrlPolicy,
    CallbackWakeups,
  ],
  exports: [CallbackDeliveryLog, CallbackUrlPolicy],
})
export class CallbacksModule {}
