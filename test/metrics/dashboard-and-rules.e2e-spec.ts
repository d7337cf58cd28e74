import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Dashboard } from '@grafana/schema';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';

import { startTestApp, type TestApp } from '../support/app';
import { parseExposition } from './support/exposition';
import { dashboardProblems, prometheusTargets } from './support/grafana-dashboard';
import { exposedSeriesNames, metricNamesOf, SCRAPE_SERIES } from './support/promql';

const DOCS = join(__dirname, '..', '..', 'docs');
const SEVERITIES = ['info', 'warning', 'critical'];
/** A Prometheus duration such as 5m or 1h30m. */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const readDashboard = () => JSON.parse(readFileSync(join(DOCS, 'grafana', 'haven.json'), 'utf8')) as Dashboard;
const readRules = () =>
  parseYaml(readFileSync(join(DOCS, 'prometheus', 'haven-rules.yml'), 'utf8')) as {
    groups: Array<{ name: string; rules: AlertingRule[] }>;
  };
/** GitHub's anchor for a markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/**
 * The shipped Grafana dashboard and Prometheus rules against a running service: the metric
 * names they query are read from a real `/metrics`, whose HELP and TYPE lines list every
 * registered metric, observed yet or not.
 */
describe('docs/grafana/haven.json and docs/prometheus/haven-rules.yml', () => {
  let testApp: TestApp;
  let exposed: Set<string>;
  const unknownNames = (expression: string) => metricNamesOf(expression).filter((name) => !exposed.has(name) && !SCRAPE_SERIES.has(name));

  beforeAll(async () => {
    testApp = await startTestApp();
    const response = await request(testApp.server).get('/metrics');
    expect(response.status).toBe(200);
    exposed = exposedSeriesNames(parseExposition(response.text).values());
  });

  afterAll(() => testApp?.close());

  it('reads PromQL with Prometheus’s grammar and tells a histogram’s series from its bare name', () => {
    expect(
      metricNamesOf('histogram_quantile(0.95, sum by (le) (rate(haven_http_request_duration_seconds_bucket[$__rate_interval])))'),
    ).toEqual(['haven_http_request_duration_seconds_bucket']);
    expect(() => metricNamesOf('sum(rate(haven_http_requests_total[5m])')).toThrow(/syntax error/);
    expect(unknownNames('haven_http_request_duration_seconds + haven_http_requests_totl')).toEqual([
      'haven_http_request_duration_seconds',
      'haven_http_requests_totl',
    ]);
  });

  describe('the Grafana dashboard', () => {
    it('loads as a Grafana dashboard model: ids unique, panels on the grid, every query through ${datasource}', () => {
      expect(dashboardProblems(readDashboard())).toEqual([]);
    });

    it('would be refused with a repeated id, an overlapping panel or a query without expression', () => {
      const dashboard = readDashboard();
      const [first, second] = (dashboard.panels ?? []).filter((panel) => panel.type !== 'row') as Array<{
        id: number;
        gridPos: object;
        targets: object[];
      }>;
      second.id = first.id;
      second.gridPos = { ...first.gridPos };
      first.targets = [{ refId: 'A', datasource: { type: 'prometheus', uid: '${datasource}' } }];

      const problems = dashboardProblems(dashboard).join('\n');
      expect(problems).toMatch(/repeats/);
      expect(problems).toMatch(/overlaps/);
      expect(problems).toMatch(/has no expr/);
    });

    it('has rows for transactions, HTTP, breakers, nonces, alert delivery, monitor, callbacks and the database pool', () => {
      const rows = (readDashboard().panels ?? []).filter((panel) => panel.type === 'row').map((panel) => panel.title);
      expect(rows).toEqual([
        'Overview',
        'Transactions',
        'HTTP API',
        'Circuit breakers',
        'Nonce health',
        'Alert delivery',
        'Monitor',
        'Status callbacks',
        'Database pool',
      ]);
    });

    it('queries, in valid PromQL, only metrics the service exposes', () => {
      const targets = prometheusTargets(readDashboard());
      expect(targets.length).toBeGreaterThan(30);
      const unknown = targets.flatMap(({ panel, expr }) => unknownNames(expr).map((name) => `${panel}: ${name}`));
      expect(unknown).toEqual([]);
    });
  });

  describe('the Prometheus rules', () => {
    const rules = () => readRules().groups.flatMap((group) => group.rules);

    it('are alerting rules in named groups, each with a duration, a severity, a summary, a description and a runbook', () => {
      const { groups } = readRules();
      expect(groups.length).toBeGreaterThan(0);
      expect(new Set(groups.map((group) => group.name)).size).toBe(groups.length);
      for (const rule of rules()) {
        expect({ alert: rule.alert, problems: ruleProblems(rule) }).toEqual({ alert: rule.alert, problems: [] });
      }
      expect(new Set(rules().map((rule) => rule.alert)).size).toBe(rules().length);
    });

    it('cover instances, breakers, the queue, confirmations, HTTP errors, alert delivery, callbacks, the monitor, the hot wallet and the pool', () => {
      expect(rules().map((rule) => rule.alert)).toEqual(
        expect.arrayContaining([
          'HavenInstanceDown',
          'HavenMetricsAbsent',
          'HavenBlockchainBreakerOpen',
          'HavenCircuitBreakerOpen',
          'HavenQueueGrowing',
          'HavenNoConfirmationsWhileQueued',
          'HavenAcceptToConfirmedSlow',
          'HavenHttp5xxRatioHigh',
          'HavenAlertDeliveriesFailing',
          'HavenAlertDeliveriesPending',
          'HavenCallbacksPending',
          'HavenMonitorNotTicking',
          'HavenHotWalletBalanceLow',
          'HavenDbPoolSaturated',
        ]),
      );
    });

    it('are valid PromQL naming only metrics the service exposes', () => {
      const unknown = rules().flatMap((rule) => unknownNames(rule.expr).map((name) => `${rule.alert}: ${name}`));
      expect(unknown).toEqual([]);
    });

    it('each point at a runbook section of docs/observability.md', () => {
      const headings = new Set(
        readFileSync(join(DOCS, 'observability.md'), 'utf8')
          .split('\n')
          .filter((line) => /^#{2,4} /.test(line))
          .map((line) => anchorOf(line.replace(/^#+ /, ''))),
      );
      for (const rule of rules()) {
        const [file, anchor] = (rule.annotations?.runbook ?? '').split('#');
        expect({ alert: rule.alert, file, known: headings.has(anchor) }).toEqual({
          alert: rule.alert,
          file: 'docs/observability.md',
          known: true,
        });
      }
    });
  });
});

function ruleProblems(rule: AlertingRule): string[] {
  const problems: string[] = [];
  if (!/^[A-Z][A-Za-z0-9]+$/.test(rule.alert ?? '')) problems.push('alert name must be CamelCase');
  if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problems.push('no expr');
  if (typeof rule.for !== 'string' || !DURATION.test(rule.for)) problems.push('for must be a duration');
  if (!SEVERITIES.includes(rule.labels?.severity ?? '')) problems.push(`severity must be one of ${SEVERITIES.join(', ')}`);
  for (const annotation of ['summary', 'description', 'runbook']) {
    if (typeof rule.annotations?.[annotation] !== 'string' || rule.annotations[annotation] === '') problems.push(`no ${annotation}`);
  }
  const extra = Object.keys(rule).filter((key) => !['alert', 'expr', 'for', 'labels', 'annotations', 'keep_firing_for'].includes(key));
  if (extra.length > 0) problems.push(`unknown fields ${extra.join(', ')}`);
  return problems;
}
