import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';

import type { AppConfig } from '../config/app-config';

export type RedisSettings = AppConfig['redis'];

/** One Redis server, a Sentinel-managed master/replica group, or a Redis Cluster. */
export type SharedRedis = Redis | Cluster;

/** How the service reaches Redis; `none` coordinates in this process only. */
export type RedisMode = 'none' | 'standalone' | 'sentinel' | 'cluster';

export function redisMode(settings: RedisSettings): RedisMode {
  if (settings.cluster !== undefined) return 'cluster';
  if (settings.sentinel !== undefined) return 'sentinel';
  return settings.url === undefined ? 'none' : 'standalone';
}

/** Which kind of Redis a live connection reaches, for health reports. */
export function redisTopology(redis: SharedRedis): Exclude<RedisMode, 'none'> {
  if (redis instanceof Cluster) return 'cluster';
  return redis.options.sentinels ? 'sentinel' : 'standalone';
}

/** The shared connection's options; exported so the tests exercise these very ones. */
export function redisOptions({ keyPrefix, commandTimeoutMs }: RedisSettings): RedisOptions {
  return {
    keyPrefix,
    connectionName: 'haven-backend',
    // A command waits through at most two reconnects, then fails: callers (breakers, the
    // nonce manager) decide what a failure means rather than hanging on a dead Redis.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    // Reconnects only help when the connection drops. A Redis that keeps the socket open but
    // never answers (paused, swapping, a half-open link) would hold every caller forever; the
    // clock starts when the command is issued, so time spent in the offline queue counts too.
    commandTimeout: commandTimeoutMs,
    // Commands issued in one event-loop turn leave in one socket write. Every intake request
    // counts against its rate limit here, and its socket write was most of what that cost this
    // process: 64 requests in flight paid for 64 writes where one will do.
    enableAutoPipelining: true,
    lazyConnect: false,
  };
}

/**
 * A write refused by a demoted master. Sentinel disconnects the old master's clients when it
 * demotes it, but a command can reach it first: reconnect (asking the Sentinels where the
 * master is now) and resend it, since a refused write did nothing.
 */
const reconnectOnReadOnly = (error: Error): 2 | false => (error.message.startsWith('READONLY') ? 2 : false);

/** Connects in the configured mode; `null` when no Redis is configured. */
export function createRedisConnection(settings: RedisSettings, connectionName = 'haven-backend'): SharedRedis | null {
  const options = { ...redisOptions(settings), connectionName };
  if (settings.cluster !== undefined) {
    const { keyPrefix, enableOfflineQueue, ...nodeOptions } = options;
    const clusterOptions: ClusterOptions = {
      // The cluster applies the prefix itself when it builds each command; given to the nodes
      // as well, it would be applied there a second time.
      keyPrefix,
      enableOfflineQueue,
      redisOptions: { ...nodeOptions, password: settings.password, reconnectOnError: reconnectOnReadOnly },
      // A failover moves slots to a promoted replica: retry MOVED/CLUSTERDOWN for a few
      // seconds rather than failing the command at once.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
    };
    return new Cluster(settings.cluster.nodes, clusterOptions);
  }
  if (settings.sentinel !== undefined) {
    return new Redis({
      ...options,
      sentinels: settings.sentinel.sentinels,
      name: settings.sentinel.masterName,
      role: 'master',
      password: settings.password,
      sentinelPassword: settings.sentinel.sentinelPassword,
      // Follow +switch-master as the Sentinels announce it. Without it the connection stays on
      // the old master until the Sentinels demote it, seconds later, and the writes it took
      // meanwhile are lost when it resyncs from the new one (nonce counters included).
      failoverDetector: true,
      reconnectOnError: reconnectOnReadOnly,
    });
  }
  if (settings.url !== undefined) return new Redis(settings.url, options);
  return null;
}

/**
 * Waits for pending replies, then closes. `disconnect()` after `quit()` also ends the
 * Sentinel failover detector's subscriptions, which `quit()` leaves open (ioredis 5.11):
 * they would keep the process from exiting.
 */
export async function closeConnection(redis: SharedRedis): Promise<void> {
  if (redis.status !== 'end') await redis.quit().catch(() => undefined);
  redis.disconnect();
}

/** A second connection to the same Redis (a subscriber cannot run commands on its own connection). */
export function duplicateConnection(redis: SharedRedis, connectionName: string): SharedRedis {
  if (redis instanceof Cluster) {
    return redis.duplicate([], { redisOptions: { ...redis.options.redisOptions, connectionName } });
  }
  return redis.duplicate({ connectionName });
}
