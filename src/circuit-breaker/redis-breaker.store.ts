import { randomUUID } from 'node:crypto';

import { closeConnection, duplicateConnection, type SharedRedis } from '../redis/redis.connection';
import { type BreakerSettings, type BreakerSnapshot, type BreakerState, CLOSED } from './breaker-state';
import { type BreakerStateStore, type BreakerUpdate, PROBE_TTL_MS, type ProbeTicket } from './breaker-state.store';

/*
 * One hash per breaker (state, failures, successes, opened_at) and one short-lived probe key.
 * Every transition is one script, timed by the Redis server's clock so instances with skewed
 * clocks agree on when an open breaker expires. A changed state is published, so every
 * instance's local copy follows within a round trip. Scripts return
 * { state, failures, successes, opened_at, previous_state, granted }.
 */
const PRELUDE = `
local key, probe = KEYS[1], KEYS[2]
local channel, name = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', key, 'state', 'failures', 'successes', 'opened_at', 'version')
local state = h[1] or 'closed'
local failures = tonumber(h[2] or '0')
local successes = tonumber(h[3] or '0')
local opened = h[4] or ''
local version = tonumber(h[5] or '0')
local previous = state
local function save(granted)
  if state ~= previous or ARGV[3] == 'publish' then
    version = version + 1
    redis.call('HSET', key, 'state', state, 'failures', failures, 'successes', successes, 'opened_at', opened, 'version', version)
    redis.call('PUBLISH', channel, cjson.encode({ name = name, state = state, failures = failures, successes = successes, opened_at = opened, version = version }))
  end
  return { state, failures, successes, opened, previous, granted, version }
end
`;

const FAILURE = `${PRELUDE}
local threshold = tonumber(ARGV[4])
failures = failures + 1
if state == 'half_open' or (state == 'closed' and failures >= threshold) then
  state, successes, opened = 'open', 0, tostring(now)
  redis.call('DEL', probe)
end
return save(1)
`;

const SUCCESS = `${PRELUDE}
local threshold = tonumber(ARGV[4])
if state == 'half_open' then
  successes = successes + 1
  redis.call('DEL', probe)
  if successes >= threshold then state, failures, successes, opened = 'closed', 0, 0, '' end
elseif state == 'closed' and failures > 0 then
  failures = 0
end
return save(1)
`;

const PROBE = `${PRELUDE}
local timeout, ttl, token = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
if state == 'open' and opened ~= '' and now >= tonumber(opened) + timeout then
  state, successes = 'half_open', 0
end
if state == 'closed' then return save(1) end
if state == 'open' then return save(0) end
if redis.call('SET', probe, token, 'NX', 'PX', ttl) then return save(1) end
return save(0)
`;

const RESET = `${PRELUDE}
state, failures, successes, opened = 'closed', 0, 0, ''
redis.call('DEL', probe)
return save(1)
`;

// Only if the stored version is behind what the caller saw; the state stays what the store
// holds (calls already go through a breaker Redis forgot), the number moves past the caller's.
const RESTORE = `${PRELUDE}
local known_version, known_state = tonumber(ARGV[4]), ARGV[5]
if version < known_version then
  previous, version = known_state, known_version
  return save(1)
end
return { state, failures, successes, opened, previous, 1, version }
`;

type ScriptReply = [string, number, number, string, string, number, number];

interface BreakerCommands {
  breakerFailure(key: string, probe: string, channel: string, name: string, publish: string, threshold: number): Promise<ScriptReply>;
  breakerSuccess(key: string, probe: string, channel: string, name: string, publish: string, threshold: number): Promise<ScriptReply>;
  breakerProbe(
    key: string,
    probe: string,
    channel: string,
    name: string,
    publish: string,
    timeoutMs: number,
    ttlMs: number,
    token: string,
  ): Promise<ScriptReply>;
  breakerReset(key: string, probe: string, channel: string, name: string, publish: string): Promise<ScriptReply>;
  breakerRestore(
    key: string,
    probe: string,
    channel: string,
    name: string,
    publish: string,
    knownVersion: number,
    knownState: string,
  ): Promise<ScriptReply>;
}

const STATES: ReadonlySet<string> = new Set<BreakerState>(['closed', 'open', 'half_open']);

function toSnapshot(state: string, failures: unknown, successes: unknown, openedAt: unknown, version: unknown): BreakerSnapshot {
  const opened = Number(openedAt);
  return {
    version: Number(version) || 0,
    state: STATES.has(state) ? (state as BreakerState) : 'closed',
    failureCount: Number(failures) || 0,
    successCount: Number(successes) || 0,
    openedAt: openedAt === '' || openedAt === undefined || openedAt === null || !Number.isFinite(opened) ? null : opened,
  };
}

function toTicket([state, failures, successes, opened, previous, granted, version]: ScriptReply): ProbeTicket {
  return { snapshot: toSnapshot(state, failures, successes, opened, version), previous: previous as BreakerState, granted: granted === 1 };
}

/**
 * Breaker state shared by every instance through Redis. The connection's key prefix applies
 * to the keys; the pub/sub channel carries the prefix itself, as Redis channels are global.
 */
export class RedisBreakerStore implements BreakerStateStore {
  private readonly commands: BreakerCommands;
  private readonly channel: string;
  private subscriber?: SharedRedis;

  constructor(private readonly redis: SharedRedis) {
    for (const [name, lua] of Object.entries({
      breakerFailure: FAILURE,
      breakerSuccess: SUCCESS,
      breakerProbe: PROBE,
      breakerReset: RESET,
      breakerRestore: RESTORE,
    })) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 2, lua });
    }
    this.commands = redis as unknown as BreakerCommands;
    this.channel = `${redis.options.keyPrefix ?? ''}circuit-breakers`;
  }

  async failure(name: string, settings: BreakerSettings): Promise<BreakerUpdate> {
    // Published even without a state change, so every instance shows the same failure count.
    return toTicket(await this.commands.breakerFailure(...this.keys(name), this.channel, name, 'publish', settings.failureThreshold));
  }

  async success(name: string, settings: BreakerSettings): Promise<BreakerUpdate> {
    return toTicket(await this.commands.breakerSuccess(...this.keys(name), this.channel, name, 'publish', settings.successThreshold));
  }

  async probe(name: string, settings: BreakerSettings): Promise<ProbeTicket> {
    return toTicket(
      await this.commands.breakerProbe(
        ...this.keys(name),
        this.channel,
        name,
        'on-change',
        settings.openTimeoutMs,
        PROBE_TTL_MS,
        randomUUID(),
      ),
    );
  }

  async reset(name: string): Promise<BreakerUpdate> {
    return toTicket(await this.commands.breakerReset(...this.keys(name), this.channel, name, 'publish'));
  }

  async restore(name: string, known: BreakerSnapshot): Promise<BreakerUpdate> {
    return toTicket(await this.commands.breakerRestore(...this.keys(name), this.channel, name, 'publish', known.version, known.state));
  }

  async load(names: readonly string[]): Promise<Map<string, BreakerSnapshot>> {
    // One command per breaker rather than a pipeline: on a Redis Cluster a pipeline must stay
    // within one node, and each breaker's hash lives in its own slot. Sent together, they
    // still share the connection's round trips.
    const replies = await Promise.all(
      names.map((name) => this.redis.hmget(this.keys(name)[0], 'state', 'failures', 'successes', 'opened_at', 'version')),
    );
    return new Map(
      names.map((name, i) => {
        const [state, failures, successes, opened, version] = replies[i];
        return [name, state === null ? CLOSED : toSnapshot(state, failures, successes, opened ?? '', version)];
      }),
    );
  }

  async watch(listener: (name: string, snapshot: BreakerSnapshot) => void): Promise<void> {
    this.subscriber ??= duplicateConnection(this.redis, 'haven-breaker-subscriber');
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      try {
        const { name, state, failures, successes, opened_at, version } = JSON.parse(message) as Record<string, unknown>;
        if (typeof name === 'string' && typeof state === 'string')
          listener(name, toSnapshot(state, failures, successes, opened_at, version));
      } catch {
        // Not ours or malformed: ignore rather than let a stray publisher break the listener.
      }
    });
    // ioredis re-subscribes by itself after a reconnect, but only to channels it once
    // subscribed: if Redis is down at start, subscribe again whenever the connection is ready.
    let subscribed = false;
    const subscribe = () =>
      this.subscriber!.subscribe(this.channel).then(
        () => void (subscribed = true),
        () => undefined,
      );
    this.subscriber.on('ready', () => void (subscribed || subscribe()));
    await subscribe();
  }

  /** The subscriber's `ready` event: after a reconnect, messages may have been missed. */
  onResubscribed(listener: () => void): void {
    this.subscriber?.on('ready', listener);
  }

  async close(): Promise<void> {
    if (this.subscriber) await closeConnection(this.subscriber);
  }

  /** Both keys of a breaker share a hash tag, so that its scripts stay in one Redis Cluster slot. */
  private keys(name: string): [string, string] {
    return [`circuit-breaker:{${name}}`, `circuit-breaker:{${name}}:probe`];
  }
}
