import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { bareEnvironment, REPO_ROOT } from './processes';

const run = promisify(execFile);

export interface PreflightRow {
  name: string;
  status: string;
  detail: string;
}

export interface PreflightRun {
  code: number;
  /** stdout and stderr together: everything an operator would see. */
  output: string;
  rows: PreflightRow[];
  /** The row of that name; throws, showing the output, if there is none. */
  row(name: string): PreflightRow;
}

/**
 * `npm run preflight -- <args>` as an operator runs it: its own process, only the variables
 * given (`bareEnvironment`), the table read back into rows. Resolves whatever the exit code.
 */
export async function runPreflightCli(env: Record<string, string>, args: readonly string[] = []): Promise<PreflightRun> {
  let code = 0;
  let output: string;
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', '@swc-node/register', 'src/ops/preflight/cli.ts', ...args], {
      cwd: REPO_ROOT,
      env: bareEnvironment(env),
    });
    output = stdout + stderr;
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    code = failed.code;
    output = (failed.stdout ?? '') + (failed.stderr ?? '');
  }
  // Table lines: name, status, detail, separated by runs of two or more spaces.
  const rows = output
    .split('\n')
    .map((line) => /^(\S(?:.*?\S)?) {2,}(PASS|WARN|FAIL)(?: +(.*))?$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, name, status, detail]) => ({ name: name!, status: status!, detail: detail ?? '' }));
  const row = (name: string): PreflightRow => {
    const found = rows.find((candidate) => candidate.name === name);
    if (found === undefined) throw new Error(`no "${name}" row in:\n${output}`);
    return found;
  };
  return { code, output, rows, row };
}
