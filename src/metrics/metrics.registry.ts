import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The application's Prometheus registry. One per application rather than prom-client's
 * global, so several applications in one process (the e2e tests) never share a metric.
 */
export class MetricsRegistry extends Registry {
  static create(): MetricsRegistry {
    const registry = new MetricsRegistry();
    collectDefaultMetrics({ register: registry });
    return registry;
  }
}
