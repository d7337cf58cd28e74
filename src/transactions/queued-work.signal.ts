import { Injectable } from '@nestjs/common';

import { delay } from '../common/delay';

/**
 * Tells this instance's sender that queued work exists as soon as a request is stored,
 * instead of letting it wait for its next poll. Other instances find the row on their own
 * poll; nothing depends on the signal arriving, it only shortens the wait.
 */
@Injectable()
export class QueuedWorkSignal {
  private wake = new AbortController();

  notify(): void {
    const woken = this.wake;
    this.wake = new AbortController();
    woken.abort();
  }

  /** Resolves on the next `notify`, after `timeoutMs`, or when `signal` aborts. */
  waitForWork(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return delay(timeoutMs, signal, this.wake.signal);
  }
}
