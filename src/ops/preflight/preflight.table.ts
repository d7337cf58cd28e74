import type { CheckRow } from './preflight.check';

const HEADER: CheckRow = { name: 'CHECK', status: 'STATUS' as CheckRow['status'], detail: 'DETAIL' };

/**
 * A plain aligned table, one row per line, so it reads the same in a terminal, a CI log and
 * `docker run` output, and stays greppable (`grep FAIL`). No colours, no box drawing.
 */
export function formatTable(rows: readonly CheckRow[]): string {
  const all = [HEADER, ...rows];
  const nameWidth = Math.max(...all.map((row) => row.name.length));
  const statusWidth = Math.max(...all.map((row) => row.status.length));
  const lines = all.map((row) => `${row.name.padEnd(nameWidth)}  ${row.status.padEnd(statusWidth)}  ${row.detail}`.trimEnd());
  lines.splice(1, 0, `${'-'.repeat(nameWidth)}  ${'-'.repeat(statusWidth)}  ${'-'.repeat(6)}`);
  return `${lines.join('\n')}\n`;
}

/** The last line: what the exit code means, in words. */
export function formatSummary(rows: readonly CheckRow[]): string {
  const count = (status: CheckRow['status']) => rows.filter((row) => row.status === status).length;
  const failed = count('FAIL');
  return `${failed > 0 ? 'NOT READY' : 'READY'}: ${count('PASS')} passed, ${count('WARN')} warning(s), ${failed} failed\n`;
}
