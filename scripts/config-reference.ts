/**
 * `npm run docs:config`: writes docs/configuration.md from the configuration schema
 * (`ENV_NAMES`, `SECRET_ENV_NAMES`, the zod rules, the production requirements of
 * `parseEnvironment`) and the comments and examples of `.env.example`, grouped as
 * `.env.example` groups them. test/docs/configuration.e2e-spec.ts fails while the committed
 * document differs from what this writes, so a new variable reaches the reference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, ENV_NAMES, type EnvName, envSchema, parseEnvironment, SECRET_ENV_NAMES } from '../src/config';

export const ENV_EXAMPLE_PATH = join(__dirname, '..', '.env.example');
export const CONFIGURATION_DOC_PATH = join(__dirname, '..', 'docs', 'configuration.md');

/** A comment of `.env.example` and the variables written right after it. */
export interface Block {
  comment: string[];
  variables: Array<{ name: EnvName; example: string }>;
}

export interface Group {
  title: string;
  blocks: Block[];
}

/** `.env.example` names a variable this service does not read, or misses one it does. */
export class ConfigReferenceError extends Error {
  constructor(readonly problems: string[]) {
    super(`.env.example and the configuration schema disagree:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigReferenceError';
  }
}

const GROUP_HEADING = /^# --- (.+?) -*$/;
/** `NAME=value`, or `# NAME=value` for an optional variable shown commented out. */
const ASSIGNMENT = /^(# ?)?([A-Z][A-Z0-9_]*)=(.*)$/;
/** `CIRCUIT_BREAKER_<BLOCKCHAIN|SMTP|WEBHOOK|KMS>_<setting>`: a family of variables named in a comment. */
const NAME_PATTERN = /\b([A-Z][A-Z0-9_]*<[^>\s]+>[A-Z0-9_<>a-z|]*)/g;

const isEnvName = (name: string): name is EnvName => (ENV_NAMES as string[]).includes(name);

/** `<A|B>` stands for one of the alternatives, `<setting>` for any upper-case name part. */
function patternToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/<([^>]+)>|[^<]+/g, (part, inner?: string) => {
    if (inner === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return inner.includes('|') ? `(?:${inner})` : '[A-Z0-9_]+';
  });
  return new RegExp(`^${source}$`);
}

function parseEnvExample(text: string): Group[] {
  const groups: Group[] = [];
  let pending: string[] = [];
  let block: Block | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const heading = GROUP_HEADING.exec(line);
    if (heading) {
      groups.push({ title: heading[1], blocks: [] });
      pending = [];
      block = null;
      continue;
    }
    // The file's own introduction, before the first group, describes the file.
    const group = groups.at(-1);
    if (group === undefined) continue;
    const assignment = ASSIGNMENT.exec(line);
    if (assignment && (assignment[1] === undefined || isEnvName(assignment[2]))) {
      if (block === null || pending.length > 0) {
        block = { comment: pending, variables: [] };
        group.blocks.push(block);
        pending = [];
      }
      block.variables.push({ name: assignment[2] as EnvName, example: assignment[3] });
    } else if (line.startsWith('#')) {
      pending.push(line.replace(/^#\s?/, ''));
    } else if (line === '') {
      pending = [];
      block = null;
    }
  }
  return groups;
}

/** Variables that only a comment's name pattern documents join the block of that comment. */
function addPatternFamilies(groups: Group[], documented: Set<EnvName>): void {
  for (const block of groups.flatMap((group) => group.blocks)) {
    for (const pattern of block.comment.join(' ').match(NAME_PATTERN) ?? []) {
      const family = patternToRegExp(pattern.replace(/\.$/, ''));
      for (const name of ENV_NAMES) {
        if (documented.has(name) || !family.test(name)) continue;
        block.variables.push({ name, example: '' });
        documented.add(name);
      }
    }
    block.variables.sort((a, b) => ENV_NAMES.indexOf(a.name) - ENV_NAMES.indexOf(b.name));
  }
}

const PROBES = ['not valid ☃', '', '-1', '99999999999999'];

/** What the schema accepts, in the words of its own error messages for invalid values. */
function acceptedValues(name: EnvName): string {
  const schema = (
    envSchema.shape as Record<EnvName, { safeParse(value: string): { success: boolean; error?: { issues: Array<{ message: string }> } } }>
  )[name];
  const rules = new Set<string>();
  for (const probe of PROBES) {
    const message = schema.safeParse(probe).error?.issues[0]?.message;
    if (message === undefined) continue;
    const options = /^Invalid option: expected one of (.+)$/.exec(message);
    const most = /^Too big: expected number to be <=(\d+)$/.exec(message);
    if (options) rules.add(`one of ${options[1].replaceAll('"', '').split('|').join(', ')}`);
    else if (most) rules.add(`at most ${most[1]}`);
    else if (!/^(Too small|Too big|Invalid input)/.test(message)) rules.add(message.replace(/^must be /, ''));
  }
  return [...rules].join('; ');
}

function requirementProblems(env: Record<string, string>): Set<string> {
  try {
    parseEnvironment(env, { complete: true });
    return new Set();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return new Set([...error.problems].filter(([, problem]) => problem.startsWith('is required')).map(([name]) => name));
  }
}

/** When `parseEnvironment` requires each variable: in production, or once a switch is on. */
function requirements(): Map<EnvName, string[]> {
  const production = { ENVIRONMENT: 'production' };
  const always = requirementProblems(production);
  const result = new Map<EnvName, string[]>();
  const add = (name: EnvName, when: string) => result.set(name, [...(result.get(name) ?? []), when]);
  for (const name of ENV_NAMES) if (always.has(name)) add(name, 'in production');
  for (const flag of ENV_NAMES) {
    // A switch reads `true` as a boolean; free text such as SMTP_USER would read it as a name.
    if (envSchema.shape[flag].safeParse('true').data !== true) continue;
    for (const name of requirementProblems({ ...production, [flag]: 'true' })) {
      if (!always.has(name) && isEnvName(name)) add(name, `when \`${flag}=true\``);
    }
  }
  return result;
}

/** Comment text as Markdown prose: `<placeholder>` and `*` are literal in .env.example. */
const prose = (text: string): string => text.replace(/[<*]/g, '\\$&');
/** One line per variable: its name, whether it is secret and required, its example and rules. */
function describe(name: EnvName, example: string, requiredWhen: string[]): string {
  const facts = [
    SECRET_ENV_NAMES.has(name) ? '**secret**' : '',
    requiredWhen.length > 0 ? `**required** ${requiredWhen.join(', ')}` : 'optional',
    example === '' ? '' : `example \`${example}\``,
    acceptedValues(name),
  ].filter((fact) => fact !== '');
  return `\`${name}\`: ${facts.join('; ')}.`;
}

/**
 * The variables of `.env.example` by group and comment, those that only a name pattern
 * documents included, and what disagrees with the schema.
 */
export function readEnvExample(envExample: string): { groups: Group[]; problems: string[] } {
  const groups = parseEnvExample(envExample);
  const documented = new Set(groups.flatMap((group) => group.blocks.flatMap((block) => block.variables.map(({ name }) => name))));
  addPatternFamilies(groups, documented);
  const problems = [
    ...ENV_NAMES.filter((name) => !documented.has(name)).map((name) => `${name} is read by the service but not in .env.example`),
    ...[...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)]
      .map((match) => match[1])
      .filter((name) => !isEnvName(name))
      .map((name) => `${name} is in .env.example but not in the configuration schema`),
  ];
  return { groups, problems };
}

export function renderConfigurationReference(envExample: string = readFileSync(ENV_EXAMPLE_PATH, 'utf8')): string {
  const { groups, problems } = readEnvExample(envExample);
  if (problems.length > 0) throw new ConfigReferenceError(problems);

  const required = requirements();
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs:config` (scripts/config-reference.ts) from src/config/env.schema.ts and .env.example. Do not edit by hand. -->',
    '',
    `Every environment variable the service reads (${ENV_NAMES.length}), grouped as [\`.env.example\`](../.env.example)`,
    "groups them. The text above each list is that file's comment on the variables in it; what a",
    'variable accepts is the schema\'s own wording (`src/config/env.schema.ts`), and "required" is',
    'what `parseEnvironment` (`src/config/app-config.ts`) refuses to start without; other',
    'conditions are in the text. Examples are examples, not defaults: defaults are in the text.',
    'Secret values are never logged, answered or stored in errors (`SECRET_ENV_NAMES`). Lists are',
    'comma-separated; empty values count as unset. `npm run preflight` checks a whole environment.',
    '',
  ];
  for (const group of groups) {
    lines.push(`## ${group.title}`, '');
    for (const block of group.blocks) {
      // A comment laid out in columns (indented lines) keeps its layout in a text block.
      if (block.comment.some((line) => line.startsWith('  '))) lines.push('```text', ...block.comment, '```', '');
      else if (block.comment.length > 0) lines.push(prose(block.comment.join('\n')), '');
      for (const { name, example } of block.variables) lines.push(`- ${describe(name, example, required.get(name) ?? [])}`);
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (require.main === module) {
  writeFileSync(CONFIGURATION_DOC_PATH, renderConfigurationReference());
  process.stdout.write(`wrote ${CONFIGURATION_DOC_PATH}\n`);
}
