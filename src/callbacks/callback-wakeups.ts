import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';

import { ProcessRole } from '../bootstrap/process-role';
import { delay } from '../common/delay';
import { AppConfigService } from '../config/app-config.service';

/** The channel `transactions_enqueue_callback()` notifies on each commit that owes a callback. */
export const CALLBACK_CHANNEL = 'callback_deliveries';
const RECONNECT_MS = 5_000;

/**
 * Wakes this instance's delivery worker as soon as any instance commits a status change that
 * owes a callback, through PostgreSQL LISTEN/NOTIFY on a connection of its own (a pooled one
 * would be handed to other work). Nothing depends on it: the worker also polls every second,
 * so a lost connection, a missed notification or a pooler that drops LISTEN only makes a
 * callback go out up to a second later. Reconnects on its own.
 */
@Injectable()
export class CallbackWakeups implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackWakeups.name);
  private wake = new AbortController();
  private listener?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly config: AppConfigService,
    private readonly role: ProcessRole,
  ) {}

  onApplicationBootstrap(): void {
    // Only the delivery worker waits on it: without one here, the connection would wake nobody.
    this.role.startBackgroundWork(CallbackWakeups.name, () => void this.listen());
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  notify(): void {
    const woken = this.wake;
    this.wake = new AbortController();
    woken.abort();
  }

  /** Resolves on the next notification, after `timeoutMs`, or when `signal` aborts. */
  waitForWork(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return delay(timeoutMs, signal, this.wake.signal);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.config.get('database').url, application_name: 'haven-backend-callbacks' });
    this.listener = client;
    client.on('notification', () => this.notify());
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'callback notification connection lost; polling until it is back');
      this.reconnectLater(client);
    });
    client.on('end', () => this.reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CALLBACK_CHANNEL}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot listen for callback notifications; polling until it can');
      this.reconnectLater(client);
    }
  }

  private reconnectLater(client: Client): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => void this.listen(), RECONNECT_MS);
  }
}
