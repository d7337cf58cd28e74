import { Injectable, Logger } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';

import { MetricsRegistry } from '../metrics/metrics.registry';
import { ScrapeRead } from '../metrics/scrape-read';
import { TRANSACTION_STATUSES, type TransactionKind, type TransactionStatus } from './transaction.entity';
import { TransactionRepository } from './transaction.repository';

/** However often Prometheus (or several of them) scrape, the table is counted at most this often. */
export const COUNTS_TTL_MS = 5_000;
/** A scrape that cannot count within this long serves the last count. */
export const COUNT_TIMEOUT_MS = 2_000;
const KINDS: readonly TransactionKind[] = ['mint', 'burn'];
/** Base makes a block every 2 s; past an hour a request is long overdue and alerted on by the monitor. */
const ACCEPT_TO_CONFIRMED_BUCKETS = [2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600];

/**
 * The pipeline as Prometheus sees it. Requests by status and the queue's depth are counted
 * in the database at scrape time, in one grouped read shared by scrapes for a few seconds,
 * so every instance reports the same fleet-wide figures. Accept-to-confirmed is observed by
 * the instance that confirms a request, once, when it does.
 */
@Injectable()
export class TransactionMetrics {
  constructor(repository: TransactionRepository, metrics: MetricsRegistry) {
    const counts = new ScrapeRead(
      'transaction counts',
      async () => new Map<TransactionStatus, number>((await repository.countByStatus()).map((row) => [row.status, row.count])),
      { ttlMs: COUNTS_TTL_MS, timeoutMs: COUNT_TIMEOUT_MS },
      new Logger('Metrics'),
    );
    new Gauge({
      name: 'haven_transactions',
      help: 'Requests by status, in the whole database (every instance reports the same figures)',
      labelNames: ['status'],
      registers: [metrics],
      async collect() {
        const byStatus = await counts.get();
        if (byStatus !== undefined) for (const status of TRANSACTION_STATUSES) this.set({ status }, byStatus.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'haven_queue_depth',
      help: 'Requests accepted and queued, not yet signed (whole database)',
      registers: [metrics],
      async collect() {
        const byStatus = await counts.get();
        if (byStatus !== undefined) this.set(byStatus.get('queued') ?? 0);
      },
    });
    const acceptToConfirmed = new Histogram({
      name: 'haven_transaction_accept_to_confirmed_seconds',
      help: 'Time from a request being accepted to its transaction being confirmed, by kind (mint, burn); observed by the confirming instance',
      labelNames: ['kind'],
      buckets: ACCEPT_TO_CONFIRMED_BUCKETS,
      registers: [metrics],
    });
    for (const kind of KINDS) acceptToConfirmed.zero({ kind });
    repository.onConfirmed((confirmed) => {
      for (const request of confirmed) acceptToConfirmed.observe({ kind: request.kind }, request.acceptedToConfirmedSeconds);
    });
  }
}
