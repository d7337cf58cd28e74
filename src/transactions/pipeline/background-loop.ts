import { Logger } from '@nestjs/common';

import { findOpenBreaker } from '../../circuit-breaker/circuit-breaker.errors';
import { delay } from '../../common/delay';

/** How a loop waits when it has nothing to do; resolves early when `signal` aborts (shutdown). */
export type IdleWait = (signal: AbortSignal) => Promise<void>;

/**
 * A worker that repeats `tick` until stopped. `stop` waits for the tick in progress, so a
 * shutdown never abandons a half-done step (a send signed but not yet broadcast), but cuts
 * any idle wait short.
 */
export class BackgroundLoop {
  private running?: Promise<void>;
  private readonly stopping = new AbortController();
  private readonly logger: Logger;

  constructor(
    private readonly name: string,
    private readonly tick: () => Promise<'busy' | 'idle'>,
    private readonly idle: IdleWait,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const state = await this.tick();
        failures = 0;
        if (state === 'idle') await this.idle(signal);
      } catch (error) {
        const open = findOpenBreaker(error);
        if (open) {
          // The dependency is known to be down: wait for the breaker's next probe, quietly.
          this.logger.debug({ breaker: open.breaker, retryAt: open.retryAt }, `${this.name} waits for an open breaker`);
          await delay(Math.min(Math.max(open.retryAt.getTime() - Date.now(), 100), 5_000), signal);
          continue;
        }
        failures++;
        this.logger.error({ err: error, failures }, `${this.name} step failed`);
        // Back off on repeated failure (RPC or database down) without giving up.
        await delay(Math.min(100 * 2 ** failures, 5_000), signal);
      }
    }
  }
}

/** An idle wait of `ms`, cut short by shutdown. */
export const sleep =
  (ms: number): IdleWait =>
  (signal) =>
    delay(ms, signal);
