import { ApiProperty } from '@nestjs/swagger';

import type { AlertWithDeliveries } from '../../alerting/alert.service';
import {
  ALERT_DELIVERY_EVENTS,
  ALERT_DELIVERY_STATUSES,
  type AlertDelivery,
  type AlertDeliveryEvent,
  type AlertDeliveryStatus,
} from '../../alerting/delivery/alert-delivery.entity';
import { ALERT_CHANNELS, type AlertChannel } from '../../config/env.schema';
import { AlertDto } from './alert-response.dto';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** One event of an alert sent to one channel target, and how that went. */
export class AlertDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Sent as X-Haven-Delivery on every attempt: receivers drop repeats by it' }) id!: string;
  @ApiProperty({ enum: ALERT_DELIVERY_EVENTS }) event!: AlertDeliveryEvent;
  @ApiProperty({ enum: ALERT_CHANNELS }) channel!: AlertChannel;
  @ApiProperty({
    example: 'slack#1',
    description: 'The configured destination, by format and position (escalation recipients prefixed escalation:); never its URL',
  })
  target!: string;
  @ApiProperty({ enum: ALERT_DELIVERY_STATUSES }) status!: AlertDeliveryStatus;
  @ApiProperty({ description: 'Attempts made; a breaker refusing the channel does not count one' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When pending: the next attempt' })
  next_attempt_at!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'HTTP 503', description: 'Why the last attempt did not deliver' })
  last_error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) delivered_at!: string | null;

  static from(delivery: AlertDelivery): AlertDeliveryDto {
    return {
      id: delivery.id,
      event: delivery.event,
      channel: delivery.channel,
      target: delivery.target,
      status: delivery.status,
      attempts: delivery.attempts,
      next_attempt_at: iso(delivery.nextAttemptAt),
      last_error: delivery.lastError,
      created_at: delivery.createdAt.toISOString(),
      delivered_at: iso(delivery.deliveredAt),
    };
  }
}

/** An alert with the record of its deliveries. */
export class AlertDetailDto extends AlertDto {
  @ApiProperty({ type: [AlertDeliveryDto], description: 'Oldest first; none for an alert whose route is empty (logged only)' })
  deliveries!: AlertDeliveryDto[];

  static fromDetail({ alert, deliveries }: AlertWithDeliveries): AlertDetailDto {
    return { ...AlertDto.from(alert), deliveries: deliveries.map((delivery) => AlertDeliveryDto.from(delivery)) };
  }
}
