/**
 * `npm run preflight` (`preflight:prod` in the production image): checks the environment the
 * service is configured for, as the seed's Pre-Launch Verification does, and prints one row
 * per check. Runs with the service's own configuration (the same variables as `npm start`).
 *   --send-test-alert  also send a test alert to every configured alert target
 *   --embedded         check a running zero-configuration `npm start` (reads HAVEN_DATA_DIR)
 * Exit code 0 when no row FAILs (warnings allowed), 1 otherwise, 2 for a usage error.
 */
import { parseArgs } from 'node:util';

import { redactSecrets } from '../../common/redaction';
import { withTimeout } from '../../common/with-timeout';
import type { RawEnvironment } from '../../config/app-config';
import { checkConfiguration } from './checks/configuration.check';
import { embeddedEnvironment } from './embedded-settings';
import { type CheckRow, fail } from './preflight.check';
import { preflightChecks } from './preflight.checks';
import { PreflightResources } from './preflight.resources';
import { hasFailure, runChecks } from './preflight.runner';
import { formatSummary, formatTable } from './preflight.table';

const USAGE = 'usage: npm run preflight [-- --send-test-alert] [--embedded]';
const CLOSE_TIMEOUT_MS = 2_000;

async function preflight(args: string[]): Promise<CheckRow[]> {
  const { values } = parseArgs({ args, options: { 'send-test-alert': { type: 'boolean' }, embedded: { type: 'boolean' } } });
  let env: RawEnvironment = process.env;
  if (values.embedded === true) {
    if (process.env.ENVIRONMENT === 'production')
      return [fail('embedded', 'refused: ENVIRONMENT=production never uses the embedded environment')];
    try {
      env = embeddedEnvironment(process.env);
    } catch (error) {
      return [fail('embedded', redactSecrets(error instanceof Error ? error.message : String(error)))];
    }
  }
  const { config, rows } = checkConfiguration(env);
  if (config === undefined) return rows;
  const resources = new PreflightResources(config);
  try {
    return [...rows, ...(await runChecks(preflightChecks(resources, { sendTestAlert: values['send-test-alert'] === true })))];
  } finally {
    // A connection still opening to a dead host must not keep the answer from the operator.
    await withTimeout(resources.close(), CLOSE_TIMEOUT_MS, undefined).catch(() => undefined);
  }
}

/** Exits once stdout has taken the table: a socket left half-open by a timed-out check must not hold the process. */
function finish(text: string, code: number): void {
  process.stdout.write(text, () => process.exit(code));
}

preflight(process.argv.slice(2)).then(
  (rows) => finish(formatTable(rows) + formatSummary(rows), hasFailure(rows) ? 1 : 0),
  (error: unknown) => {
    const usage = String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`preflight failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    process.exit(usage ? 2 : 1);
  },
);
