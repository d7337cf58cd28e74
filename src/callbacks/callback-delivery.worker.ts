import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';

import { ProcessRole } from '../bootstrap/process-role';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { DELIVERY_TIMEOUT_MS } from '../outbox/http-post';
import { BackgroundLoop } from '../transactions/pipeline/background-loop';
import { CallbackDeliverer } from './callback-deliverer';
import { CallbackDeliveryRepository } from './callback-delivery.repository';
import { CallbackWakeups } from './callback-wakeups';

const POLL_MS = 1_000;
const BATCH_SIZE = 50;
/** Well past one POST's timeout: a lease runs out only when its worker died or stalled. */
const LEASE_MS = 6 * DELIVERY_TIMEOUT_MS;
const PENDING_REFRESH_MS = 5_000;

/**
 * Sends the status callbacks owed, on every instance: each claims due deliveries under a
 * lease (a delivery goes out from one instance at a time) and sends them in parallel, at
 * most one per transaction (see `claimDue`). Woken at once by a commit that owes a callback,
 * otherwise every second; a delivery left pending by a stopped instance is picked up by the
 * next claim once its lease runs out, or at once if it was never claimed.
 */
@Injectable()
export class CallbackDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: BackgroundLoop;
  private readonly pending: Gauge;
  private pendingRefreshedAt = 0;

  constructor(
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly deliverer: CallbackDeliverer,
    private readonly wakeups: CallbackWakeups,
    private readonly role: ProcessRole,
    metrics: MetricsRegistry,
  ) {
    this.loop = new BackgroundLoop(
      'CallbackDeliveryWorker',
      () => this.deliverDue(),
      (signal) => wakeups.waitForWork(POLL_MS, signal),
    );
    this.pending = new Gauge({
      name: 'haven_callback_deliveries_pending',
      help: 'Status callbacks owed and not yet delivered, all instances together (every instance reports the same count)',
      registers: [metrics],
    });
  }

  onApplicationBootstrap(): void {
    this.role.startBackgroundWork(CallbackDeliveryWorker.name, () => this.loop.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async deliverDue(): Promise<'busy' | 'idle'> {
    await this.refreshPending();
    const claimed = await this.deliveries.claimDue(BATCH_SIZE, LEASE_MS);
    // Settled, not all-or-nothing: every answer received is recorded before the loop moves on
    // (or shuts down); an outcome that could not be recorded is sent again after its lease.
    const results = await Promise.allSettled(claimed.map((delivery) => this.deliverer.deliver(delivery)));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return claimed.length > 0 ? 'busy' : 'idle';
  }

  private async refreshPending(): Promise<void> {
    if (Date.now() - this.pendingRefreshedAt < PENDING_REFRESH_MS) return;
    this.pendingRefreshedAt = Date.now();
    this.pending.set(await this.deliveries.pendingCount());
  }
}
