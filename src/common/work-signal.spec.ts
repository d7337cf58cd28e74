import { WorkSignal } from './work-signal';

describe('WorkSignal', () => {
  it('wakes a waiting worker at once, long before its poll interval', async () => {
    const signal = new WorkSignal();
    const started = Date.now();
    const waiting = signal.waitForWork(60_000);

    signal.notify();
    await waiting;

    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('wakes the next waiter on the next notify, not on one made while nobody waited', async () => {
    const signal = new WorkSignal();
    signal.notify();
    let woke = false;
    const waiting = signal.waitForWork(60_000).then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);

    signal.notify();
    await waiting;
    expect(woke).toBe(true);
  });

  it('wakes on the abort of the caller’s own signal', async () => {
    const signal = new WorkSignal();
    const stop = new AbortController();
    const waiting = signal.waitForWork(60_000, stop.signal);

    stop.abort();

    await expect(waiting).resolves.toBeUndefined();
  });
});
