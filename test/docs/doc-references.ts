/**
 * Reads what operator documents name (npm scripts, scripts/ files, endpoints, alert
 * categories, Prometheus alerts, metrics, repository paths and links) so tests can check each
 * against the code. The conventions are those of docs/runbooks/README.md: endpoints as
 * `METHOD /path` in backticks, commands in fenced blocks, curl calls against "$HAVEN_URL/…".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface Endpoint {
  method: string;
  /** As written, without the query string. */
  path: string;
  query: URLSearchParams;
}

const unique = <T>(items: T[], key: (item: T) => string = String): T[] => [...new Map(items.map((item) => [key(item), item])).values()];

export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** Fenced code blocks, each with its line continuations joined. */
export function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^ *```[^\n]*\n([\s\S]*?)^ *```/gm)].map((match) => match[1].replace(/\\\n\s*/g, ' '));
}

export function npmScripts(markdown: string): string[] {
  return unique([...markdown.matchAll(/\bnpm run ([\w:.-]+)/g)].map((match) => match[1].replace(/[.:]+$/, '')));
}

export function scriptFiles(markdown: string): string[] {
  return unique([...markdown.matchAll(/(?<![\w./-])scripts\/[\w.-]+/g)].map((match) => match[0].replace(/\.$/, '')));
}

function endpoint(method: string, target: string): Endpoint {
  const [path, query = ''] = target.split('?');
  return { method: method.toUpperCase(), path, query: new URLSearchParams(query) };
}

/**
 * `METHOD /path` in backticks, bare `/health…` and `/metrics` in backticks (read with GET),
 * and every curl call to "$HAVEN_URL/…" in a code block (its -X method, else GET).
 */
export function endpoints(markdown: string): Endpoint[] {
  const found = backticked(markdown).flatMap((code) => {
    const written = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/.exec(code);
    if (written) return [endpoint(written[1], written[2])];
    return /^\/(health|metrics)\b\S*$/.test(code) ? [endpoint('GET', code)] : [];
  });
  for (const block of codeBlocks(markdown)) {
    for (const line of block.split('\n')) {
      for (const call of line.split(/(?=\bcurl\b)/).filter((part) => part.startsWith('curl'))) {
        const url = /"\$HAVEN_URL(\/[^"]*)"/.exec(call);
        if (url) found.push(endpoint((/ -X (\w+)/.exec(call) ?? [])[1] ?? 'GET', url[1]));
      }
    }
  }
  return unique(found, ({ method, path, query }) => `${method} ${path}?${query.toString()}`);
}

/** A path with every parameter (`:id`, `{id}`, `<id>`, `$ID`) as `{}`, to compare with OpenAPI templates. */
export function pathShape(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((segment) => (/^(:\w+|\{\w+\}|<[^>]+>|\$\w+)$/.test(segment) ? '{}' : segment));
}

/** Whether a documented path is one of the templates: a parameter only where the template has one. */
export function matchesTemplate(path: string, template: string): boolean {
  const written = pathShape(path);
  const served = pathShape(template);
  return written.length === served.length && written.every((segment, index) => segment === served[index] || served[index] === '{}');
}

/** Rows of every Markdown table whose first header cell is `header`, as cells. */
export function tableRows(markdown: string, header: string): string[][] {
  const rows: string[][] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const cells = splitRow(lines[index]);
    if (cells === null || cells[0].toLowerCase() !== header.toLowerCase() || !/^\|[\s|:-]+\|$/.test(lines[index + 1] ?? '')) continue;
    for (index += 2; index < lines.length && lines[index].startsWith('|'); index++) rows.push(splitRow(lines[index])!);
  }
  return rows;
}

export function splitRow(line: string): string[] | null {
  if (!line.startsWith('|')) return null;
  return line
    .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

const FENCED_BLOCK = /^ *```[\s\S]*?^ *```/gm;

/** Markdown outside fenced code blocks, where inline code is paired. */
export const prose = (markdown: string): string => markdown.replace(FENCED_BLOCK, '');

/** Inline code spans, outside fenced blocks. */
export const backticked = (text: string): string[] => [...prose(text).matchAll(/`([^`\n]+)`/g)].map((match) => match[1]);

/** Backticked `HavenSomething` names: Prometheus alerts of docs/prometheus/haven-rules.yml. */
export function prometheusAlerts(markdown: string): string[] {
  return unique(backticked(markdown).filter((token) => /^Haven[A-Z][A-Za-z0-9]+$/.test(token)));
}

/** Backticked `haven_…` metric names, labels dropped. */
export function metrics(markdown: string): string[] {
  return unique(backticked(markdown).flatMap((token) => /^(haven_[a-z0-9_]+)(\{.*\})?$/.exec(token)?.[1] ?? []));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = match[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/**
 * Relative links and backticked repository paths (`docs/…`, `scripts/…`, `test/…`, `src/…`,
 * `deploy/…`, `migrations/…`) of the document at `docPath` that do not resolve, with the reason.
 */
export function brokenReferences(docPath: string, markdown: string): string[] {
  const broken: string[] = [];
  const directory = dirname(join(REPO_ROOT, docPath));
  for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [file, anchor] = target.split('#');
    const absolute = file === '' ? join(REPO_ROOT, docPath) : resolve(directory, file);
    if (!existsSync(absolute)) broken.push(`${target}: no file ${relative(REPO_ROOT, absolute)}`);
    else if (anchor !== undefined && absolute.endsWith('.md') && !headingAnchors(readFileSync(absolute, 'utf8')).has(anchor)) {
      broken.push(`${target}: no heading #${anchor} in ${relative(REPO_ROOT, absolute)}`);
    }
  }
  for (const token of backticked(markdown)) {
    const path = /^((?:docs|scripts|test|src|deploy|migrations)\/[\w./-]*[\w])(?:#.*)?$/.exec(token)?.[1];
    if (path !== undefined && !existsSync(join(REPO_ROOT, path))) broken.push(`${token}: no file ${path}`);
  }
  return unique(broken);
}
