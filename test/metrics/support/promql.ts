import { parser } from '@prometheus-io/lezer-promql';

/**
 * Grafana's built-in interval variables, replaced by a duration as Grafana does before it
 * sends a query, so that the expression parses as Prometheus receives it.
 */
const GRAFANA_INTERVALS = /\$__(?:rate_interval|interval|range)\b|\$\{__(?:rate_interval|interval|range)\}/g;

/** Series Prometheus itself records for every scrape target, not exposed by the service. */
export const SCRAPE_SERIES: ReadonlySet<string> = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/**
 * Parses a PromQL expression with Prometheus's own grammar (the lezer parser of the
 * Prometheus UI) and returns the metric names it selects. Throws, with the position, at the
 * first syntax error.
 */
export function metricNamesOf(expression: string): string[] {
  const query = expression.replace(GRAFANA_INTERVALS, '5m');
  const names = new Set<string>();
  const cursor = parser.parse(query).cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in ${JSON.stringify(query)}`);
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') names.add(query.slice(cursor.from, cursor.to));
  } while (cursor.next());
  if (query.trim() === '') throw new Error('empty PromQL expression');
  return [...names];
}

/**
 * The series names a scrape exposes, by family: a histogram as `_bucket`, `_sum` and
 * `_count` (never its bare name), a summary as itself, `_sum` and `_count`, anything else
 * under its own name.
 */
export function exposedSeriesNames(families: Iterable<{ name: string; type: string }>): Set<string> {
  const names = new Set<string>();
  for (const { name, type } of families) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    else if (type === 'summary') for (const series of [name, `${name}_sum`, `${name}_count`]) names.add(series);
    else names.add(name);
  }
  return names;
}
