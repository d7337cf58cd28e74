import { Logger } from '@nestjs/common';

import { type AppConfig, loadConfig, parseEnvironment, type RawEnvironment } from '../config';
import { pendingMigrations, runMigrations } from '../database/migrations.runner';
import type { EmbeddedEnvironment } from '../embedded/embedded-environment';

export interface PreparedEnvironment {
  config: AppConfig;
  /** The variables workers need: the process's own plus whatever the embedded parts provide. */
  env: RawEnvironment;
  embedded?: EmbeddedEnvironment;
}

const logger = new Logger('Bootstrap');

// `require`, not `import()`: a native dynamic import would bypass the TypeScript loader
// that `npm start` runs under.
const loadEmbedded = (): typeof import('../embedded/embedded-environment') =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed, and through the TypeScript loader
  require('../embedded/embedded-environment') as typeof import('../embedded/embedded-environment');

/**
 * Everything that must hold before the HTTP service starts: configuration valid (checked
 * before any connection is opened), development gaps filled, schema up to date.
 */
export async function prepareEnvironment(processEnv: RawEnvironment): Promise<PreparedEnvironment> {
  const settings = parseEnvironment(processEnv, { complete: false });
  const isProduction = settings.ENVIRONMENT === 'production';
  // Loaded lazily: embedded PostgreSQL and anvil are development dependencies, absent from
  // the production image.
  const embedded = isProduction ? undefined : await loadEmbedded().startEmbeddedEnvironment(settings, processEnv);
  try {
    const env = { ...processEnv, ...embedded?.env };
    const config = loadConfig(env);
    if (isProduction) {
      // Production schema changes are a deliberate deploy step (`npm run migration:run`).
      const pending = await pendingMigrations(config.database.url);
      if (pending.length > 0) {
        throw new Error(`Database has ${pending.length} pending migration(s); run \`npm run migration:run\` first`);
      }
    } else {
      const applied = await runMigrations(config.database.url);
      if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
    }
    return { config, env, embedded };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
