/**
 * Benchmark support: CPU time (user + system, ms) a process has used so far, read from
 * /proc/<pid>/stat, so a benchmark can charge a server process for the CPU a round cost it.
 * NaN where /proc is not available (not Linux): the figure is a diagnostic, never a check.
 */
import { readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): state is field 3,
    // utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
