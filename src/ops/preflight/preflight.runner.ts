import { redactSecrets } from '../../common/redaction';
import { withTimeout } from '../../common/with-timeout';
import { type CheckRow, fail, type PreflightCheck } from './preflight.check';

/** Long enough for a slow remote RPC or SMTP greeting, short enough that a dead one is a row, not a hang. */
export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

const TIMED_OUT = Symbol('timed out');
const MAX_DETAIL_LENGTH = 160;

/**
 * Runs every check at once (they are independent; those that share a connection share it
 * through `PreflightResources`) and returns their rows in the order the checks were given,
 * so the table reads the same on every run. A check that throws or outlives `timeoutMs`
 * becomes a FAIL row under its own name.
 */
export async function runChecks(checks: readonly PreflightCheck[], timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<CheckRow[]> {
  const answers = await Promise.all(
    checks.map(async (check): Promise<CheckRow[]> => {
      try {
        const bound = check.timeoutMs ?? timeoutMs;
        const rows = await withTimeout(check.run(), bound, TIMED_OUT);
        if (rows === TIMED_OUT) return [fail(check.name, `no answer within ${bound / 1000} s`)];
        return [rows].flat();
      } catch (error) {
        return [fail(check.name, errorDetail(error))];
      }
    }),
  );
  return answers.flat();
}

/**
 * One line, redacted: viem and the AWS SDK put the request (URL, body) on the lines after the
 * first, and a driver may quote a connection string; `shortMessage` is viem's own summary.
 */
export function errorDetail(error: unknown): string {
  const { shortMessage, message } = (error ?? {}) as { shortMessage?: unknown; message?: unknown };
  const text = typeof shortMessage === 'string' ? shortMessage : typeof message === 'string' && message !== '' ? message : String(error);
  const line = redactSecrets(text.split('\n')[0]!.trim());
  const code = causeCode(error);
  const withCode = code !== undefined && !line.includes(code) ? `${line.replace(/\.$/, '')} (${redactSecrets(code)})` : line;
  return withCode.length > MAX_DETAIL_LENGTH ? `${withCode.slice(0, MAX_DETAIL_LENGTH - 1)}…` : withCode;
}

/**
 * What actually happened, a few `cause`s down: viem says only "HTTP request failed". The
 * innermost error code (ECONNREFUSED, ENOTFOUND, ESOCKET), else the innermost cause's
 * message (redacted by the caller), else nothing.
 */
function causeCode(error: unknown): string | undefined {
  let code: string | undefined;
  let innermost: string | undefined;
  let current = (error as { cause?: unknown } | null)?.cause;
  if (typeof (error as { code?: unknown } | null)?.code === 'string') code = (error as { code: string }).code;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const { code: own, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof own === 'string') code = own;
    if (typeof message === 'string' && message !== '') innermost = message.split('\n')[0];
    current = cause;
  }
  return code ?? innermost;
}

/** Any FAIL fails the run; warnings are for the operator to read, not to block on. */
export const hasFailure = (rows: readonly CheckRow[]): boolean => rows.some((row) => row.status === 'FAIL');
