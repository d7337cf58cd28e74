/**
 * One thing the monitor watches. Each tick runs every check once, concurrently; a check that
 * fails (a read that did not answer) changes nothing it has raised: no answer, no conclusion.
 */
export interface MonitorCheck {
  /** Stable: names the check's state in `monitor_state` and its log lines. */
  readonly name: string;
  run(): Promise<void>;
}

/** The checks a tick runs, provided by the monitoring module. */
export const MONITOR_CHECKS = Symbol('MONITOR_CHECKS');
