import { delay } from './delay';

describe('delay', () => {
  it('resolves after the given time', async () => {
    const started = Date.now();
    await delay(30);

    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('resolves as soon as any of its signals aborts', async () => {
    const stop = new AbortController();
    const wake = new AbortController();
    const started = Date.now();
    const waiting = delay(10_000, stop.signal, undefined, wake.signal);
    wake.abort();
    await waiting;

    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('resolves at once for a signal that has already aborted', async () => {
    const started = Date.now();
    await delay(10_000, AbortSignal.abort());

    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
