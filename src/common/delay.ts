/**
 * Resolves after `ms`, or as soon as any of `signals` aborts (at once if one already has).
 * Never rejects: a loop told to stop simply finds its signal aborted when it wakes.
 */
export function delay(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  const watched = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return new Promise((resolve) => {
    if (watched.some((signal) => signal.aborted)) return resolve();
    const timer = setTimeout(done, ms);
    for (const signal of watched) signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      for (const signal of watched) signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
