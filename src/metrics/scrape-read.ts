import type { Logger } from '@nestjs/common';

import { withTimeout } from '../common/with-timeout';

export interface ScrapeReadOptions {
  /** Scrapes within this long of a read share it, however many scrapers there are. */
  ttlMs: number;
  /**
   * A scrape waits at most this long for the read. With the connection pool exhausted it
   * would otherwise wait for a connection past Prometheus's scrape timeout, and every metric
   * would be lost just when the pool metrics matter.
   */
  timeoutMs: number;
}

/**
 * A figure a gauge reads from a store when scraped (a count in the database): read at most
 * once per `ttlMs`, shared by the gauges and scrapes that want it meanwhile, and never allowed
 * to fail or stall the scrape. When the store fails or is slow, the last figure read is
 * served (undefined before the first), and one warning says so until a read succeeds again.
 */
export class ScrapeRead<T> {
  private latest?: { at: number; value: Promise<T | undefined> };
  private lastKnown?: T;
  private failing = false;

  constructor(
    private readonly what: string,
    private readonly read: () => Promise<T>,
    private readonly options: ScrapeReadOptions,
    private readonly logger: Logger,
  ) {}

  get(): Promise<T | undefined> {
    const now = Date.now();
    if (this.latest === undefined || now - this.latest.at >= this.options.ttlMs) this.latest = { at: now, value: this.refresh() };
    return this.latest.value;
  }

  private async refresh(): Promise<T | undefined> {
    const timedOut = Symbol('timed out');
    try {
      const value = await withTimeout(this.read(), this.options.timeoutMs, timedOut);
      if (value === timedOut) throw new Error(`no answer within ${this.options.timeoutMs} ms`);
      this.lastKnown = value;
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn({ err: error }, `could not read ${this.what} for /metrics; serving the last figures read`);
      this.failing = true;
    }
    return this.lastKnown;
  }
}
