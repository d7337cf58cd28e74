import { Test, type TestingModule } from '@nestjs/testing';
import type Redis from 'ioredis';

import { CircuitBreakerOpenError } from '../../src/circuit-breaker/circuit-breaker.errors';
import { CircuitBreakerModule } from '../../src/circuit-breaker/circuit-breaker.module';
import { type BreakerTransition, CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import type { AppConfig } from '../../src/config';
import { ConfigModule } from '../../src/config/config.module';
import { REDIS, RedisModule } from '../../src/redis/redis.module';
import type { TestChain } from '../support/chain';
import { testConfig } from '../support/config';
import { eventually } from '../support/eventually';

const OPEN_TIMEOUT_MS = 400;
/** Transitions are logged at error level; the assertions here read them from the registry. */
const SILENT = { log() {}, error() {}, warn() {} };
const outage = new Error('connect ECONNREFUSED 127.0.0.1:8545');

interface Instance {
  module: TestingModule;
  breakers: CircuitBreakerRegistry;
  redis: Redis;
  transitions: BreakerTransition[];
}

/** Each instance is its own module with its own Redis connections, as separate processes are. */
describe('circuit breakers shared through Redis', () => {
  let config: AppConfig;
  const instances: Instance[] = [];

  async function instance(): Promise<Instance> {
    const module = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), RedisModule, CircuitBreakerModule] })
      .setLogger(SILENT)
      .compile();
    await module.init();
    const breakers = module.get(CircuitBreakerRegistry);
    const transitions: BreakerTransition[] = [];
    breakers.onTransition((transition) => transitions.push(transition));
    const started = { module, breakers, redis: module.get<Redis>(REDIS), transitions };
    instances.push(started);
    return started;
  }

  beforeEach(() => {
    const base = testConfig({ databaseUrl: 'postgres://unused', chain: {} as TestChain });
    const settings = { failureThreshold: 5, successThreshold: 2, openTimeoutMs: OPEN_TIMEOUT_MS };
    config = { ...base, circuitBreakers: { ...base.circuitBreakers, default: settings, blockchain: settings } };
  });

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((started) => started.module.close()));
  });

  const fail = (breakers: CircuitBreakerRegistry) =>
    breakers
      .register('blockchain')
      .execute(() => Promise.reject(outage))
      .catch((error: unknown) => error);

  it('counts failures from every instance, and a trip on one opens the breaker on all', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    for (const breakers of [a, b, a, b]) await fail(breakers.breakers);
    expect(a.breakers.get('blockchain')!.snapshot.state).toBe('closed');

    await fail(a.breakers);

    expect(a.breakers.get('blockchain')!.snapshot).toMatchObject({ state: 'open', failureCount: 5 });
    // B learns it from the published change, without making a call of its own.
    await eventually(() => expect(b.breakers.get('blockchain')!.snapshot.state).toBe('open'), { timeoutMs: 2_000, intervalMs: 10 });
    const call = jest.fn(async () => 'never');
    await expect(b.breakers.register('blockchain').execute(call)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(call).not.toHaveBeenCalled();
    // The transition is announced (logged, counted, alerted) once for the fleet, by A.
    expect(a.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['closed->open']);
    expect(b.transitions).toEqual([]);
  });

  it('lets a single probe through across instances, then closes everywhere after two successes', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    for (let i = 0; i < 5; i++) await fail(a.breakers);
    await eventually(() => expect(b.breakers.get('blockchain')!.isRefusing()).toBe(true), { timeoutMs: 2_000, intervalMs: 10 });
    await eventually(() => expect(b.breakers.get('blockchain')!.isRefusing()).toBe(false), { timeoutMs: 2_000, intervalMs: 20 });

    let finishProbe!: (value: string) => void;
    const probe = a.breakers.register('blockchain').execute(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    await eventually(() => expect(finishProbe).toBeDefined(), { timeoutMs: 2_000, intervalMs: 5 });
    await expect(b.breakers.register('blockchain').execute(async () => 'second probe')).rejects.toBeInstanceOf(CircuitBreakerOpenError);

    finishProbe('ok');
    await expect(probe).resolves.toBe('ok');
    await expect(b.breakers.register('blockchain').execute(async () => 'second success')).resolves.toBe('second success');

    for (const started of [a, b]) {
      await eventually(() => expect(started.breakers.get('blockchain')!.snapshot.state).toBe('closed'), {
        timeoutMs: 2_000,
        intervalMs: 10,
      });
    }
    expect([...a.transitions, ...b.transitions].map((t) => `${t.from}->${t.to}`).sort()).toEqual(
      ['closed->open', 'open->half_open', 'half_open->closed'].sort(),
    );
  });

  it('an operator reset on one instance closes the breaker on every instance', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    for (let i = 0; i < 5; i++) await fail(a.breakers);
    await eventually(() => expect(b.breakers.get('blockchain')!.snapshot.state).toBe('open'), { timeoutMs: 2_000, intervalMs: 10 });

    await b.breakers.reset('blockchain');

    await eventually(() => expect(a.breakers.get('blockchain')!.snapshot).toMatchObject({ state: 'closed', failureCount: 0 }), {
      timeoutMs: 2_000,
      intervalMs: 10,
    });
    expect(await b.breakers.reset('no-such-breaker')).toBeUndefined();
  });

  // As Redis restarted with its data lost: the breaker's hash and probe key are gone.
  const forget = (started: Instance) => started.redis.del('circuit-breaker:{blockchain}', 'circuit-breaker:{blockchain}:probe');
  const moves = (...all: Instance[]) => all.flatMap((started) => started.transitions.map((t) => `${t.from}->${t.to}`));

  it('when Redis forgets an open breaker, the next call closes it everywhere and the close is announced once', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    for (let i = 0; i < 5; i++) await fail(a.breakers);
    await eventually(() => expect(b.breakers.get('blockchain')!.snapshot.state).toBe('open'), { timeoutMs: 2_000, intervalMs: 10 });

    await forget(a);
    await eventually(() => expect(b.breakers.get('blockchain')!.isRefusing()).toBe(false), { timeoutMs: 2_000, intervalMs: 20 });
    await expect(b.breakers.register('blockchain').execute(async () => 'through')).resolves.toBe('through');

    expect(b.breakers.get('blockchain')!.snapshot.state).toBe('closed');
    await eventually(() => expect(a.breakers.get('blockchain')!.snapshot.state).toBe('closed'), { timeoutMs: 2_000, intervalMs: 10 });
    // Redis's numbering starts again above what the instances saw, so pub/sub reaches them all again.
    expect(Number(await a.redis.hget('circuit-breaker:{blockchain}', 'version'))).toBeGreaterThan(0);
    expect(moves(a, b)).toEqual(['closed->open', 'open->closed']);
  });

  it('when Redis forgets an open breaker and nobody calls, the periodic reload closes it and announces it once', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    for (let i = 0; i < 5; i++) await fail(a.breakers);
    await eventually(() => expect(b.breakers.get('blockchain')!.snapshot.state).toBe('open'), { timeoutMs: 2_000, intervalMs: 10 });

    await forget(a);

    for (const started of [a, b])
      await eventually(() => expect(started.breakers.get('blockchain')!.snapshot.state).toBe('closed'), {
        timeoutMs: 12_000,
        intervalMs: 50,
      });
    expect(moves(a, b)).toEqual(['closed->open', 'open->closed']);
  }, 20_000);

  it('an instance that starts while a breaker is open starts with it open', async () => {
    const a = await instance();
    for (let i = 0; i < 5; i++) await fail(a.breakers);

    const late = await instance();

    expect(late.breakers.get('blockchain')!.snapshot.state).toBe('open');
  });

  it('keeps protecting the dependency in process when Redis is lost', async () => {
    const a = await instance();
    a.redis.disconnect();

    for (let i = 0; i < 5; i++) expect(await fail(a.breakers)).toBe(outage);

    expect(a.breakers.get('blockchain')!.snapshot.state).toBe('open');
    await expect(a.breakers.register('blockchain').execute(async () => 'x')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
  });

  it('in process without Redis, behaves the same for a single instance', async () => {
    config = { ...config, redis: { ...config.redis, url: undefined } };
    const alone = await instance();

    for (let i = 0; i < 5; i++) await fail(alone.breakers);

    expect(alone.breakers.get('blockchain')!.snapshot.state).toBe('open');
    expect(alone.transitions.map((t) => t.to)).toEqual(['open']);
  });
});
