import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import request from 'supertest';
import { parse } from 'yaml';

import { AlertCategory } from '../../src/alerting/alert.constants';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import {
  backticked,
  brokenReferences,
  type Endpoint,
  endpoints,
  matchesTemplate,
  metrics,
  npmScripts,
  prometheusAlerts,
  readRepoFile,
  REPO_ROOT,
  scriptFiles,
  splitRow,
  tableRows,
} from './doc-references';

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
}

interface PrometheusRule {
  alert: string;
  annotations: { runbook: string };
}

const prometheusRules = (): PrometheusRule[] =>
  (parse(readRepoFile('docs/prometheus/haven-rules.yml')) as { groups: Array<{ rules: PrometheusRule[] }> }).groups.flatMap(
    (group) => group.rules,
  );

const RUNBOOK_DIR = 'docs/runbooks';
const runbooks = readdirSync(join(REPO_ROOT, RUNBOOK_DIR))
  .filter((file) => file.endsWith('.md'))
  .sort()
  .map((file) => ({ file, path: `${RUNBOOK_DIR}/${file}`, text: readRepoFile(`${RUNBOOK_DIR}/${file}`) }));
const procedures = runbooks.filter(({ file }) => file !== 'README.md');
const everything = runbooks.map(({ text }) => text).join('\n');

/** Per document, what `pick` finds that `exists` refuses: `{ 'file.md': ['name', …] }`. */
function missingPerRunbook(pick: (text: string) => string[], exists: (name: string) => boolean): Record<string, string[]> {
  return Object.fromEntries(
    runbooks.map(({ file, text }) => [file, pick(text).filter((name) => !exists(name))] as const).filter(([, names]) => names.length > 0),
  );
}

/** The "sent here by" column of a runbook's table, or of the index's. */
function sentHereBy(text: string): string[] {
  const firstColumn = tableRows(text, 'sent here by').flatMap((cells) => backticked(cells[0]));
  const header = text
    .split('\n')
    .map(splitRow)
    .find((cells) => cells?.[1]?.toLowerCase() === 'sent here by');
  const indexColumn = header ? tableRows(text, header[0]).flatMap((cells) => backticked(cells[1] ?? '')) : [];
  return [...firstColumn, ...indexColumn];
}

const isCategoryToken = (token: string): boolean => /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(token) && !token.startsWith('haven_');

/** Categories: snake_case tokens a runbook is sent by, `category=…` in endpoints, "category `…`" in prose. */
function alertCategories(text: string): string[] {
  return [
    ...new Set([
      ...sentHereBy(text).filter(isCategoryToken),
      ...endpoints(text).flatMap(({ query }) => query.getAll('category')),
      ...[...text.matchAll(/\bcategor(?:y|ies) `([a-z0-9_]+)`/g)].map((match) => match[1]),
    ]),
  ];
}

describe('runbooks (docs/runbooks) name only what exists', () => {
  let testApp: TestApp;
  let openApiPaths: Record<string, Record<string, Operation | undefined>>;
  let exposedMetrics: Set<string>;

  beforeAll(async () => {
    testApp = await startTestApp();
    const { body: document } = await request(testApp.server).get('/docs/openapi.json').expect(200);
    openApiPaths = document.paths;
    const { text: exposition } = await request(testApp.server).get('/metrics').expect(200);
    exposedMetrics = new Set([...exposition.matchAll(/^# HELP (\S+)/gm)].map((match) => match[1]));
  });
  afterAll(() => testApp.close());

  it('has the runbooks the issue asks for, each listed in the index', () => {
    const expected = [
      'alerts-not-arriving.md',
      'breaker-stuck-open.md',
      'deploy.md',
      'key-rotation.md',
      'nonce-errors.md',
      'pending-transactions.md',
      'redis-lost.md',
      'restore-from-backup.md',
      'rollback.md',
    ];
    expect(procedures.map(({ file }) => file)).toEqual(expect.arrayContaining(expected));
    const index = runbooks.find(({ file }) => file === 'README.md')!.text;
    expect(procedures.map(({ file }) => file).filter((file) => !index.includes(`](${file})`))).toEqual([]);
  });

  it('starts every runbook from the alerts, metrics or events that send you there', () => {
    const withoutTrigger = procedures.filter(({ text }) => sentHereBy(text).length === 0 && tableRows(text, 'sent here by').length === 0);
    expect(withoutTrigger.map(({ file }) => file)).toEqual([]);
    // Each names at least one command or endpoint to act with.
    const withoutAction = procedures.filter(
      ({ text }) => npmScripts(text).length + scriptFiles(text).length + endpoints(text).length === 0,
    );
    expect(withoutAction.map(({ file }) => file)).toEqual([]);
  });

  it('names only npm scripts that package.json defines', () => {
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(npmScripts(everything).length).toBeGreaterThan(3);
    expect(missingPerRunbook(npmScripts, (name) => name in scripts)).toEqual({});
  });

  it('names only scripts/ files that exist, shell scripts executable', () => {
    const runnable = (path: string): boolean => {
      if (!existsSync(join(REPO_ROOT, path))) return false;
      if (!path.endsWith('.sh')) return true;
      try {
        accessSync(join(REPO_ROOT, path), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    };
    expect(scriptFiles(everything).length).toBeGreaterThan(1);
    expect(missingPerRunbook(scriptFiles, runnable)).toEqual({});
  });

  it('names only endpoints the service serves: in its OpenAPI document with those query parameters, or answering GET', async () => {
    const operationOf = (found: Endpoint): Operation | undefined =>
      Object.entries(openApiPaths)
        .filter(([template]) => matchesTemplate(found.path, template))
        .map(([, operations]) => operations[found.method.toLowerCase()])
        .find((operation) => operation !== undefined);
    const named = runbooks.flatMap(({ file, text }) => endpoints(text).map((found) => ({ file, found })));
    expect(named.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const { file, found } of named) {
      const operation = operationOf(found);
      if (operation !== undefined) {
        const accepted = new Set((operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map(({ name }) => name));
        const unknown = [...found.query.keys()].filter((name) => !accepted.has(name));
        if (unknown.length > 0) missing.push(`${file}: ${found.method} ${found.path} takes no ${unknown.join(', ')}`);
        continue;
      }
      // /metrics and the probes are outside the OpenAPI document: ask them.
      const answer = found.method === 'GET' ? await request(testApp.server).get(found.path).set('X-API-Key', TEST_ADMIN_API_KEY) : null;
      if (answer?.status !== 200)
        missing.push(`${file}: ${found.method} ${found.path} (${answer?.status ?? 'not in the OpenAPI document'})`);
    }
    expect(missing).toEqual([]);
  });

  it('names only alert categories of AlertCategory', () => {
    const categories = new Set<string>(Object.values(AlertCategory));
    expect(alertCategories(everything).length).toBeGreaterThan(5);
    expect(missingPerRunbook(alertCategories, (name) => categories.has(name))).toEqual({});
  });

  it('sends every alert category the service raises to a runbook', () => {
    const handled = new Set(procedures.flatMap(({ text }) => sentHereBy(text)));
    expect(Object.values(AlertCategory).filter((category) => !handled.has(category))).toEqual([]);
  });

  it('names only Prometheus alerts of docs/prometheus/haven-rules.yml', () => {
    const alerts = new Set(prometheusRules().map((rule) => rule.alert));
    expect(prometheusAlerts(everything).length).toBeGreaterThan(5);
    expect(missingPerRunbook(prometheusAlerts, (name) => alerts.has(name))).toEqual({});
  });

  it('names only metrics a running service exposes at /metrics', () => {
    expect(metrics(everything).length).toBeGreaterThan(5);
    expect(missingPerRunbook(metrics, (name) => exposedMetrics.has(name))).toEqual({});
  });

  it('is reachable from every Prometheus rule: its runbook annotation names a heading that exists', () => {
    const unresolved = prometheusRules()
      .map((rule) => ({
        alert: rule.alert,
        problems: brokenReferences('docs/prometheus/haven-rules.yml', `[runbook](../../${rule.annotations.runbook})`),
      }))
      .filter(({ problems }) => problems.length > 0);
    expect(unresolved).toEqual([]);
    // The per-rule notes hand over to the runbooks.
    expect(readRepoFile('docs/observability.md')).toContain('](runbooks/README.md)');
    expect(brokenReferences('docs/observability.md', readRepoFile('docs/observability.md'))).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const broken = Object.fromEntries(
      runbooks.map(({ file, path, text }) => [file, brokenReferences(path, text)] as const).filter(([, problems]) => problems.length > 0),
    );
    expect(broken).toEqual({});
  });
});
