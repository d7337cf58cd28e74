import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ENV_NAMES } from '../../src/config';
import { backticked, brokenReferences, npmScripts, readRepoFile, REPO_ROOT, splitRow } from './doc-references';

/**
 * The user's own go-live document, copied into the repository so the check runs anywhere; where
 * the shared original is present, the copy must still be identical to it.
 */
const SEED_COPY = 'test/docs/seed-checklist.md';
const SEED_ORIGINAL = '/work/shared/seed/PRODUCTION_DEPLOYMENT_CHECKLIST.md';
const GO_LIVE = 'docs/go-live.md';
const KINDS = ['automated', 'operator', 'people'];

interface Row {
  heading: string;
  cells: string[];
}

const headingText = (line: string): string | null => /^#{1,6} (.+)$/.exec(line)?.[1].trim() ?? null;

/** Every `- [ ]` item of the seed with the nearest heading above it. */
function seedItems(seed: string): Array<{ heading: string; item: string }> {
  let heading = '';
  const items: Array<{ heading: string; item: string }> = [];
  for (const line of seed.replace(/^ *```[\s\S]*?^ *```/gm, '').split('\n')) {
    heading = headingText(line) ?? heading;
    const item = /^\s*- \[ \] (.+)$/.exec(line)?.[1].trim();
    if (item !== undefined) items.push({ heading, item });
  }
  return items;
}

/** Every table body row of go-live.md with the nearest heading above it. */
function goLiveRows(document: string): Row[] {
  let heading = '';
  const rows: Row[] = [];
  const lines = document.split('\n');
  for (let index = 0; index < lines.length; index++) {
    heading = headingText(lines[index]) ?? heading;
    const cells = splitRow(lines[index]);
    const isBody = cells !== null && !/^\|[\s|:-]+\|$/.test(lines[index]) && !/^\|[\s|:-]+\|$/.test(lines[index + 1] ?? '');
    if (isBody) rows.push({ heading, cells: cells });
  }
  return rows;
}

describe('go-live map (docs/go-live.md) of the seed checklist', () => {
  const seedText = readRepoFile(SEED_COPY);
  const document = readRepoFile(GO_LIVE);
  const rows = goLiveRows(document);
  const checklistRows = rows.filter(({ cells }) => KINDS.includes(cells[1]));

  it('reads the seed checklist, the same as the shared original', () => {
    if (existsSync(SEED_ORIGINAL)) expect(seedText).toEqual(readFileSync(SEED_ORIGINAL, 'utf8'));
    // The seed's checklist has close to two hundred items; reading none would prove nothing.
    expect(seedItems(seedText).length).toBeGreaterThan(150);
  });

  it('maps every checklist item of the seed, under the same heading', () => {
    const mapped = new Set(checklistRows.map(({ heading, cells }) => `${heading} :: ${cells[0]}`));
    const missing = seedItems(seedText)
      .map(({ heading, item }) => `${heading} :: ${item}`)
      .filter((key) => !mapped.has(key));
    expect(missing).toEqual([]);
  });

  it('says for every item whether a test, an operator or people satisfy it, and with what', () => {
    const body = rows.filter(({ cells }) => cells.length === 3 && cells[0] !== 'kind');
    const unclassified = body.filter(({ cells }) => !KINDS.includes(cells[1]));
    expect(unclassified.map(({ cells }) => cells[0])).toEqual([]);
    expect(checklistRows.filter(({ cells }) => cells[2].length < 10).map(({ cells }) => cells[0])).toEqual([]);
    // An automated item names the test (or script) that proves it.
    const automatedWithoutTest = checklistRows.filter(
      ({ cells }) =>
        cells[1] === 'automated' && !/`(test\/|src\/[^`]*\.spec\.ts|npm |scripts\/|migrations\/|docs\/|package-lock)|\]\(/.test(cells[2]),
    );
    expect(automatedWithoutTest.map(({ cells }) => cells[0])).toEqual([]);
  });

  it('names only files, links and npm scripts that exist', () => {
    expect(brokenReferences(GO_LIVE, document)).toEqual([]);
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(npmScripts(document).filter((name) => !(name in scripts))).toEqual([]);
    const testFiles = backticked(document).filter((token) => /^test\/.+\.ts$/.test(token));
    expect(testFiles.length).toBeGreaterThan(30);
    expect(testFiles.filter((path) => !existsSync(join(REPO_ROOT, path)))).toEqual([]);
  });

  it('finds every variable of the seed environment template under the same name in the configuration schema', () => {
    const template = /## Production Environment Variables Template[\s\S]*?```bash\n([\s\S]*?)```/.exec(seedText)?.[1] ?? '';
    const names = [...template.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !(ENV_NAMES as string[]).includes(name))).toEqual([]);
  });
});
