import type { AppConfig } from '../../../config/app-config';
import { createRedisConnection, redisMode, type SharedRedis } from '../../../redis/redis.connection';
import { type CheckRow, fail, pass, type PreflightCheck, warn } from '../preflight.check';
import { errorDetail } from '../preflight.runner';

/**
 * Redis answers PING through the service's own connection (one Redis, Sentinel or Cluster,
 * with its options), and keeps what it holds (nonces, breaker states, locks) across a
 * restart. Managed Redis often refuses CONFIG: then persistence cannot be seen from here,
 * which is a warning, not a failure.
 */
export function redisCheck(config: AppConfig): PreflightCheck {
  return {
    name: 'redis',
    async run(): Promise<CheckRow[]> {
      const mode = redisMode(config.redis);
      const redis = createRedisConnection(config.redis, 'haven-preflight');
      if (redis === null) {
        const detail = 'not configured: nonces, breakers and locks coordinated in this process only';
        return [config.environment === 'production' ? fail('redis', detail) : warn('redis', `${detail} (one instance, WORKERS=1)`)];
      }
      // Reconnection attempts report here; the failed command says what went wrong.
      redis.on('error', () => undefined);
      try {
        const reply = await redis.ping();
        return [pass('redis', `reachable (${mode}, PING ${reply})`), await persistenceRow(redis)];
      } finally {
        redis.disconnect();
      }
    },
  };
}

async function persistenceRow(redis: SharedRedis): Promise<CheckRow> {
  let appendOnly: string | undefined;
  let save: string | undefined;
  try {
    appendOnly = ((await redis.config('GET', 'appendonly')) as string[])[1];
    save = ((await redis.config('GET', 'save')) as string[])[1];
  } catch (error) {
    return warn('redis persistence', `CONFIG GET refused (${errorDetail(error)}); check persistence with the provider`);
  }
  if (appendOnly === 'yes') return pass('redis persistence', 'append-only file on');
  if (save !== undefined && save.trim() !== '') return pass('redis persistence', `RDB snapshots (save ${save}); append-only file off`);
  return warn('redis persistence', 'off (appendonly no, no save points): a restart loses nonces, breaker states and locks');
}
