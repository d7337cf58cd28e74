import { Injectable } from '@nestjs/common';

/**
 * Wakes this instance's sender as soon as a request is stored, instead of waiting for its
 * next poll. Other instances find the row on their own poll; nothing depends on the wake-up
 * arriving, it only shortens the wait.
 */
@Injectable()
export class TransactionDispatcher {
  private waiters: Array<() => void> = [];

  notifyQueued(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next `notifyQueued`, after `timeoutMs`, or when `signal` aborts. */
  waitForWork(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}
