import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { formatEther, formatGwei } from 'viem';

import { withTimeout } from '../common/with-timeout';
import { AppConfigService } from '../config/app-config.service';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { MonitorStateRepository } from './monitor-state.repository';

/** The gas check's last reading, kept in `monitor_state` for every instance's `/metrics`. */
export interface GasObservation {
  baseFeeWei: string;
  baselineWei: string;
}

/** The hot-wallet check's last reading. */
export interface BalanceObservation {
  address: string;
  balanceWei: string;
}

export const GAS_OBSERVATION = 'observed:gas';
export const BALANCE_OBSERVATION = 'observed:hot_wallet';

/** A scrape waits this long for the shared readings, then shows none rather than stalling. */
const SCRAPE_READ_TIMEOUT_MS = 500;

/**
 * The monitor's metrics. Ticks are counted by the instance that ran them. The readings (gas,
 * balance) are whatever the last tick saw, on whichever instance: every instance reports them
 * from `monitor_state` when scraped, so none shows a stale copy of its own. They carry a label
 * (chain, address) so that before the first reading they report nothing rather than 0.
 */
@Injectable()
export class MonitorMetrics {
  private readonly logger = new Logger(MonitorMetrics.name);
  private readonly ticks: Counter;
  private readonly tickDuration: Histogram;

  constructor(metrics: MetricsRegistry, config: AppConfigService, state: MonitorStateRepository) {
    this.ticks = new Counter({ name: 'haven_monitor_ticks_total', help: 'Monitor ticks this instance ran', registers: [metrics] });
    this.tickDuration = new Histogram({
      name: 'haven_monitor_tick_duration_seconds',
      help: 'How long the monitor ticks this instance ran took',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics],
    });
    const chainId = String(config.get('chain').chainId);
    const readings = () =>
      withTimeout(
        state.getMany([GAS_OBSERVATION, BALANCE_OBSERVATION]).catch((error: unknown) => {
          this.logger.warn({ err: error }, 'could not read the monitor readings for /metrics');
          return new Map<string, unknown>();
        }),
        SCRAPE_READ_TIMEOUT_MS,
        new Map<string, unknown>(),
      );
    // The three gauges are read in one scrape; one read of the readings serves them all.
    let shared: { at: number; values: Promise<Map<string, unknown>> } | undefined;
    const latest = () => {
      if (shared === undefined || Date.now() - shared.at > SCRAPE_READ_TIMEOUT_MS) shared = { at: Date.now(), values: readings() };
      return shared.values;
    };
    const gas = async () => (await latest()).get(GAS_OBSERVATION) as GasObservation | undefined;
    new Gauge({
      name: 'haven_gas_price_gwei',
      help: "The latest block's base fee as the monitor last read it, in gwei",
      labelNames: ['chain_id'],
      registers: [metrics],
      async collect() {
        const reading = await gas();
        if (reading !== undefined) this.set({ chain_id: chainId }, Number(formatGwei(BigInt(reading.baseFeeWei))));
      },
    });
    new Gauge({
      name: 'haven_gas_price_baseline_gwei',
      help: 'The base fee the monitor judges spikes against (a moving average of normal readings), in gwei',
      labelNames: ['chain_id'],
      registers: [metrics],
      async collect() {
        const reading = await gas();
        if (reading !== undefined) this.set({ chain_id: chainId }, Number(formatGwei(BigInt(reading.baselineWei))));
      },
    });
    new Gauge({
      name: 'haven_hot_wallet_balance_eth',
      help: "The sending wallet's ETH balance as the monitor last read it",
      labelNames: ['address'],
      registers: [metrics],
      async collect() {
        const reading = (await latest()).get(BALANCE_OBSERVATION) as BalanceObservation | undefined;
        this.reset();
        if (reading !== undefined) this.set({ address: reading.address }, Number(formatEther(BigInt(reading.balanceWei))));
      },
    });
  }

  tickRan(durationSeconds: number): void {
    this.ticks.inc();
    this.tickDuration.observe(durationSeconds);
  }
}
