import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';

/** An HTTP answer the client accepted as final (anything but a timeout, a refused connection, 429 or 5xx). */
export interface FinalAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each caller reads the shape of its route
  /** The attempt that got this answer, from send to answer. */
  latencyMs: number;
  /** From the first attempt to this answer, retries included. */
  totalMs: number;
  attempts: number;
}

export interface ClientStats {
  /** Retries by what the attempt before met: `timeout`, `connection`, `HTTP 503 CIRCUIT_BREAKER_OPEN`… */
  retries: Record<string, number>;
  /** Requests that never got a final answer before the client gave up. */
  unanswered: number;
  /** Every retry: when (ms since the epoch) and why, to tell which fault caused it. */
  timeline: Array<{ at: number; reason: string }>;
}

const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * A partner app as it should behave: a request that times out, cannot connect or is answered
 * 429/5xx is sent again, with the same Idempotency-Key, to another live instance, after a
 * growing pause, until it gets an answer or `giveUpAt` passes.
 */
export class SoakClient {
  readonly stats: ClientStats = { retries: {}, unanswered: 0, timeline: [] };
  private turn = 0;

  constructor(
    private readonly liveUrls: () => string[],
    private readonly giveUpAt: () => number,
  ) {}

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<FinalAnswer | undefined> {
    return this.send('POST', path, { 'x-api-key': TEST_API_KEY, ...headers }, body);
  }

  admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<FinalAnswer | undefined> {
    return this.send(method, path, { 'x-api-key': TEST_ADMIN_API_KEY }, body);
  }

  private async send(method: string, path: string, headers: Record<string, string>, body: unknown): Promise<FinalAnswer | undefined> {
    const firstAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      const urls = this.liveUrls();
      if (urls.length > 0) {
        const url = urls[this.turn++ % urls.length];
        const sentAt = Date.now();
        const reason = await this.attempt(method, `${url}${path}`, headers, body).then((got) =>
          typeof got === 'string' ? got : { ...got, latencyMs: Date.now() - sentAt, totalMs: Date.now() - firstAt, attempts: attempt },
        );
        if (typeof reason !== 'string') return reason;
        this.stats.retries[reason] = (this.stats.retries[reason] ?? 0) + 1;
        this.stats.timeline.push({ at: Date.now(), reason });
      }
      if (Date.now() > this.giveUpAt()) {
        this.stats.unanswered++;
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())));
    }
  }

  /** One try: the final answer, or why it must be tried again. */
  private async attempt(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: unknown,
  ): Promise<{ status: number; body: unknown } | string> {
    try {
      const response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const text = await response.text();
      const parsed = parseJson(text);
      if (response.status !== 429 && response.status < 500) return { status: response.status, body: parsed };
      const code = (parsed as { error?: unknown } | undefined)?.error;
      return `HTTP ${response.status}${typeof code === 'string' ? ` ${code}` : ''}`;
    } catch (error) {
      const name = (error as Error).name;
      return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection';
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}
