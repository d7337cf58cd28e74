import type { BreakerSettings } from './breaker-state';
import type { BreakerStateStore, BreakerUpdate } from './breaker-state.store';
import { CircuitBreaker } from './circuit-breaker';
import { CircuitBreakerOpenError, findOpenBreaker } from './circuit-breaker.errors';
import { MemoryBreakerStore } from './memory-breaker.store';

const SETTINGS: BreakerSettings = { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 };
const outage = new Error('connect ECONNREFUSED');
const revert = new Error('execution reverted');

describe('CircuitBreaker', () => {
  let now: number;
  let store: MemoryBreakerStore;
  let transitions: BreakerUpdate[];
  let rejections: number;
  let breaker: CircuitBreaker;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    store = new MemoryBreakerStore(() => now);
    transitions = [];
    rejections = 0;
    breaker = new CircuitBreaker('rpc', SETTINGS, store, (error) => error !== revert, {
      transition: (_name, update) => transitions.push(update),
      rejection: () => rejections++,
    });
  });

  afterEach(() => jest.restoreAllMocks());

  const fail = (error = outage) => breaker.execute(() => Promise.reject(error)).catch((caught: unknown) => caught);
  const succeed = () => breaker.execute(async () => 'ok');

  it('stays closed through four failures and opens on the fifth', async () => {
    for (let i = 0; i < 4; i++) expect(await fail()).toBe(outage);
    expect(breaker.snapshot).toMatchObject({ state: 'closed', failureCount: 4 });

    expect(await fail()).toBe(outage);
    expect(breaker.snapshot).toMatchObject({ state: 'open', failureCount: 5, openedAt: now });
    expect(transitions.map((t) => [t.previous, t.snapshot.state])).toEqual([['closed', 'open']]);
  });

  it('fails fast while open, without calling, and says when to retry', async () => {
    for (let i = 0; i < 5; i++) await fail();
    const call = jest.fn(async () => 'never');

    const refusal = await breaker.execute(call).catch((caught: unknown) => caught);

    expect(call).not.toHaveBeenCalled();
    expect(refusal).toBeInstanceOf(CircuitBreakerOpenError);
    expect(refusal).toMatchObject({ code: 'CIRCUIT_BREAKER_OPEN', status: 503, breaker: 'rpc' });
    expect((refusal as CircuitBreakerOpenError).retryAt.getTime()).toBe(now + 30_000);
    expect(rejections).toBe(1);
    expect(breaker.isRefusing()).toBe(true);
  });

  it('counts consecutive failures only: a success in between starts the count again', async () => {
    for (let i = 0; i < 4; i++) await fail();
    await succeed();
    for (let i = 0; i < 4; i++) await fail();

    expect(breaker.snapshot).toMatchObject({ state: 'closed', failureCount: 4 });
  });

  it('does not count errors its predicate does not call failures (a revert is the node working)', async () => {
    for (let i = 0; i < 10; i++) expect(await fail(revert)).toBe(revert);

    expect(breaker.snapshot.state).toBe('closed');
    expect(breaker.snapshot.failureCount).toBe(0);
  });

  it('goes half-open after the timeout and closes after two successful probes', async () => {
    for (let i = 0; i < 5; i++) await fail();
    now += 30_000;

    await succeed();
    expect(breaker.snapshot).toMatchObject({ state: 'half_open', successCount: 1 });
    await succeed();
    expect(breaker.snapshot).toMatchObject({ state: 'closed', failureCount: 0, openedAt: null });
    expect(transitions.map((t) => t.snapshot.state)).toEqual(['open', 'half_open', 'closed']);
  });

  it('reopens on a failed probe, with a fresh timeout', async () => {
    for (let i = 0; i < 5; i++) await fail();
    now += 30_000;

    await fail();

    expect(breaker.snapshot).toMatchObject({ state: 'open', openedAt: now });
    expect(breaker.retryAt?.getTime()).toBe(now + 30_000);
  });

  it('lets one probe at a time through a half-open breaker', async () => {
    for (let i = 0; i < 5; i++) await fail();
    now += 30_000;
    let finishProbe!: (value: string) => void;
    const probe = breaker.execute(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    await new Promise(setImmediate);

    const second = await succeed().catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(CircuitBreakerOpenError);

    finishProbe('ok');
    await expect(probe).resolves.toBe('ok');
    await expect(succeed()).resolves.toBe('ok');
    expect(breaker.snapshot.state).toBe('closed');
  });

  it('closes at once on an operator reset', async () => {
    for (let i = 0; i < 5; i++) await fail();

    await breaker.reset();

    expect(breaker.snapshot).toMatchObject({ state: 'closed', failureCount: 0 });
    await expect(succeed()).resolves.toBe('ok');
  });

  it('never touches the store on the hot path: closed with no failures', async () => {
    const counting = countingStore(store);
    const quiet = new CircuitBreaker('rpc', SETTINGS, counting.store, () => true, { transition() {}, rejection() {} });

    for (let i = 0; i < 100; i++) await quiet.execute(async () => i);

    expect(counting.calls()).toBe(0);
  });

  it('ignores a state older than the one it holds (messages can arrive late)', async () => {
    for (let i = 0; i < 5; i++) await fail();
    const open = breaker.snapshot;

    breaker.adopt({ state: 'closed', failureCount: 0, successCount: 0, openedAt: null, version: open.version - 1 });
    expect(breaker.snapshot.state).toBe('open');
  });

  it('still announces its own trip when a newer state was published while the answer travelled', async () => {
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const late = new CircuitBreaker('rpc', SETTINGS, store, () => true, {
      transition: (_name, update) => transitions.push(update),
      rejection: () => rejections++,
    });
    for (let i = 0; i < 4; i++) await late.execute(() => Promise.reject(outage)).catch(() => undefined);
    // The fifth failure trips the breaker in the store; its answer is held back while another
    // instance's later change (version + 1) reaches this one first.
    const failure = store.failure.bind(store);
    jest.spyOn(store, 'failure').mockImplementationOnce(async (name, settings) => {
      const update = await failure(name, settings);
      await answered;
      return update;
    });
    const call = late.execute(() => Promise.reject(outage)).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const tripped = (await store.load(['rpc'])).get('rpc')!;
    late.adopt({ ...tripped, version: tripped.version + 1 });
    release();
    await call;

    expect(transitions.map(({ previous, snapshot }) => `${previous}->${snapshot.state}`)).toEqual(['closed->open']);
    expect(late.snapshot.state).toBe('open');
  });

  it('announces the close when the store answers with a state older than its own (the store lost it)', async () => {
    for (let i = 0; i < 5; i++) await fail();
    const open = breaker.snapshot;

    await breaker.reloaded({ state: 'closed', failureCount: 0, successCount: 0, openedAt: null, version: 0 });

    // The memory store never loses state: it keeps its own and numbers it past ours.
    expect(breaker.snapshot).toMatchObject({ state: 'open', version: open.version });
    expect(transitions.map(({ previous, snapshot }) => `${previous}->${snapshot.state}`)).toEqual(['closed->open']);
  });
});

describe('findOpenBreaker', () => {
  it('finds the refusal under layers of library errors', () => {
    const refusal = new CircuitBreakerOpenError('blockchain', new Date());
    const wrapped = new Error('EstimateGasExecutionError', { cause: new Error('transport', { cause: refusal }) });

    expect(findOpenBreaker(wrapped)).toBe(refusal);
    expect(findOpenBreaker(new Error('other'))).toBeUndefined();
    expect(findOpenBreaker(undefined)).toBeUndefined();
  });
});

function countingStore(inner: BreakerStateStore): { store: BreakerStateStore; calls(): number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}
