import { delay } from './delay';

/**
 * The abort reason of every wake-up. Aborting without a reason builds a DOMException, stack
 * trace included, on each call: on the request path that cost more than the rest of `notify`.
 */
const WORK_STORED = Symbol('work stored');

/**
 * Wakes this instance's background worker (the sender, an outbox worker) as soon as it has
 * stored work, instead of letting the work wait for the next poll. Other instances find the
 * rows on their own poll; nothing depends on the signal arriving, it only shortens the wait.
 */
export class WorkSignal {
  private wake = new AbortController();
  /** Whether a waiter has taken `wake` since it was made: only then is there anyone to wake. */
  private awaited = false;

  notify(): void {
    if (!this.awaited) return;
    const woken = this.wake;
    this.wake = new AbortController();
    this.awaited = false;
    woken.abort(WORK_STORED);
  }

  /** Resolves on the next `notify`, after `timeoutMs`, or when `signal` aborts. */
  waitForWork(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.awaited = true;
    return delay(timeoutMs, signal, this.wake.signal);
  }
}
