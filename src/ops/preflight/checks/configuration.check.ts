import { type AppConfig, loadConfig, type RawEnvironment } from '../../../config/app-config';
import { ConfigError } from '../../../config/config.error';
import { ENV_NAMES } from '../../../config/env.schema';
import { type CheckRow, fail, pass } from '../preflight.check';

export type ConfigurationOutcome = { config: AppConfig; rows: CheckRow[] } | { config: undefined; rows: CheckRow[] };

/**
 * Every variable valid, as the service itself validates them at start. The rest of the
 * checks need the configuration, so a bad one ends the run here: a FAIL row per variable,
 * naming it and what is wrong, never its value.
 */
export function checkConfiguration(env: RawEnvironment): ConfigurationOutcome {
  try {
    const config = loadConfig(env);
    const set = ENV_NAMES.filter((name) => (env[name]?.trim() ?? '') !== '').length;
    return { config, rows: [pass('configuration', `${set} variables set, all valid (ENVIRONMENT=${config.environment})`)] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: undefined, rows: [...error.problems].map(([name, problem]) => fail(`config ${name}`, problem)) };
  }
}
