/** PASS: ready. WARN: works, but an operator should know (never fails the run). FAIL: not ready. */
export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

/** One line of the pre-flight table. `detail` is shown as is: it never carries a secret. */
export interface CheckRow {
  name: string;
  status: CheckStatus;
  detail: string;
}

/**
 * One thing to verify about the target environment. A check answers with one row, or several
 * when it verifies a list (every webhook target); the runner bounds it in time and turns a
 * throw into a FAIL row under its name.
 */
export interface PreflightCheck {
  name: string;
  /** Its own bound, for a check that does more than one round trip (sending a test alert). */
  timeoutMs?: number;
  run(): Promise<CheckRow | CheckRow[]>;
}

export const pass = (name: string, detail: string): CheckRow => ({ name, status: 'PASS', detail });
export const warn = (name: string, detail: string): CheckRow => ({ name, status: 'WARN', detail });
export const fail = (name: string, detail: string): CheckRow => ({ name, status: 'FAIL', detail });
