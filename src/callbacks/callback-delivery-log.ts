import { Injectable } from '@nestjs/common';

import type { CallbackDelivery, CallbackDeliveryStatus } from './callback-delivery.entity';
import { CallbackDeliveryRepository } from './callback-delivery.repository';
import { CallbackWakeups } from './callback-wakeups';
import { CallbackDeliveryNotFoundError, CallbackDeliveryNotRedeliverableError } from './callbacks.errors';

const DELIVERY_ID = /^\d{1,19}$/;
const MAX_BIGINT_ID = 2n ** 63n - 1n;

export interface CallbackDeliveryFilter {
  clientId?: string;
  txId?: string;
  status?: CallbackDeliveryStatus;
  cursor?: string;
  limit: number;
}

/** The admin's view of status callbacks: what was owed to whom, what each attempt came to, and redelivery of a failed one. */
@Injectable()
export class CallbackDeliveryLog {
  constructor(
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly wakeups: CallbackWakeups,
  ) {}

  async list(filter: CallbackDeliveryFilter): Promise<{ items: CallbackDelivery[]; nextCursor: string | null }> {
    // One more than the page: whether it exists says if there is a next page.
    const rows = await this.deliveries.newestFirst({
      clientId: filter.clientId,
      transactionId: filter.txId,
      status: filter.status,
      beforeId: filter.cursor,
      take: filter.limit + 1,
    });
    const items = rows.slice(0, filter.limit);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1].id : null };
  }

  /** A finally failed delivery, owed again from now; this instance's worker is woken for it. */
  async redeliver(id: string): Promise<CallbackDelivery> {
    const existing = isDeliveryId(id) ? await this.deliveries.findById(id) : null;
    if (existing === null) throw new CallbackDeliveryNotFoundError(id);
    if (!(await this.deliveries.redeliver(id))) throw new CallbackDeliveryNotRedeliverableError(id, existing.status);
    this.wakeups.notify();
    return (await this.deliveries.findById(id))!;
  }
}

const isDeliveryId = (text: string): boolean => DELIVERY_ID.test(text) && BigInt(text) <= MAX_BIGINT_ID;
