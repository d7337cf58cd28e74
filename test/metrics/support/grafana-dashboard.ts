import type { Dashboard, Panel, RowPanel } from '@grafana/schema';

/** Panel types this dashboard may use: Grafana's built-in ones. */
const PANEL_TYPES: ReadonlySet<string> = new Set(['row', 'timeseries', 'stat', 'gauge', 'bargauge', 'table', 'state-timeline', 'text']);
const GRID_COLUMNS = 24;
const UID = /^[a-zA-Z0-9_-]{1,40}$/;
/** Every query goes through the dashboard's Prometheus data source variable. */
export const DATASOURCE_REF = { type: 'prometheus', uid: '${datasource}' };

export interface PrometheusTarget {
  refId: string;
  expr: string;
  panel: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => Number.isInteger(value);

/**
 * What Grafana needs to load a dashboard model (`@grafana/schema`'s `Dashboard`, schema
 * version 36 and later) and what this one promises: panels on the 24-column grid without
 * overlap, unique ids, every query a Prometheus expression through the `${datasource}`
 * variable. Returns the problems found; none means it loads.
 */
export function dashboardProblems(model: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(model)) return ['the model is not a JSON object'];
  const dashboard = model as unknown as Dashboard;
  if (typeof dashboard.title !== 'string' || dashboard.title === '') problems.push('no title');
  if (typeof dashboard.uid !== 'string' || !UID.test(dashboard.uid)) problems.push('uid must be 1-40 letters, digits, - or _');
  if (!isInteger(dashboard.schemaVersion) || dashboard.schemaVersion < 36) problems.push('schemaVersion must be an integer >= 36');
  if (!isObject(dashboard.time) || typeof dashboard.time.from !== 'string' || typeof dashboard.time.to !== 'string')
    problems.push('no time range');
  const variables = dashboard.templating?.list ?? [];
  const datasource = variables.find((variable) => variable.name === 'datasource');
  if (datasource?.type !== 'datasource' || datasource.query !== 'prometheus')
    problems.push('no "datasource" variable of Prometheus data sources');
  if (new Set(variables.map((variable) => variable.name)).size !== variables.length) problems.push('variable names repeat');
  if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) return [...problems, 'no panels'];

  const ids = new Set<number>();
  const placed: Array<{ title: string; x: number; y: number; w: number; h: number }> = [];
  for (const panel of allPanels(dashboard)) {
    const name = `panel ${JSON.stringify(panel.title ?? panel.id)}`;
    if (!isInteger(panel.id)) problems.push(`${name}: id must be an integer`);
    else if (ids.has(panel.id)) problems.push(`${name}: id ${panel.id} repeats`);
    else ids.add(panel.id);
    if (!PANEL_TYPES.has(panel.type)) problems.push(`${name}: unknown type ${panel.type}`);
    if (typeof panel.title !== 'string' || panel.title === '') problems.push(`${name}: no title`);
    const grid = panel.gridPos;
    if (!isObject(grid) || ![grid.x, grid.y, grid.w, grid.h].every(isInteger)) {
      problems.push(`${name}: gridPos needs integer x, y, w, h`);
    } else {
      if (grid.w < 1 || grid.h < 1 || grid.x < 0 || grid.y < 0 || grid.x + grid.w > GRID_COLUMNS)
        problems.push(`${name}: gridPos off the grid`);
      const overlapping = placed.find(
        (other) => grid.x < other.x + other.w && other.x < grid.x + grid.w && grid.y < other.y + other.h && other.y < grid.y + grid.h,
      );
      if (overlapping !== undefined) problems.push(`${name}: overlaps ${JSON.stringify(overlapping.title)}`);
      placed.push({ title: panel.title ?? '', x: grid.x, y: grid.y, w: grid.w, h: grid.h });
    }
    if (panel.type === 'row') continue;
    const query = panel as Panel;
    if (!sameDatasource(query.datasource)) problems.push(`${name}: datasource is not \${datasource}`);
    if (!Array.isArray(query.targets) || query.targets.length === 0) problems.push(`${name}: no targets`);
    const refIds = new Set<unknown>();
    for (const target of query.targets ?? []) {
      if (typeof target.refId !== 'string' || refIds.has(target.refId)) problems.push(`${name}: target refId missing or repeated`);
      refIds.add(target.refId);
      if (typeof target.expr !== 'string' || target.expr.trim() === '')
        problems.push(`${name}: target ${String(target.refId)} has no expr`);
      if (!sameDatasource(target.datasource)) problems.push(`${name}: target ${String(target.refId)} datasource is not \${datasource}`);
    }
  }
  return problems;
}

/** Every query of every panel, rows' collapsed panels included. */
export function prometheusTargets(dashboard: Dashboard): PrometheusTarget[] {
  return allPanels(dashboard).flatMap((panel) =>
    ((panel as Panel).targets ?? []).map((target) => ({
      refId: String(target.refId),
      expr: String(target.expr),
      panel: panel.title ?? '',
    })),
  );
}

function allPanels(dashboard: Dashboard): Array<Panel | RowPanel> {
  return (dashboard.panels ?? []).flatMap((panel) => (panel.type === 'row' ? [panel, ...((panel as RowPanel).panels ?? [])] : [panel]));
}

function sameDatasource(reference: unknown): boolean {
  return isObject(reference) && reference.type === DATASOURCE_REF.type && reference.uid === DATASOURCE_REF.uid;
}
