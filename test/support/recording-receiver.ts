import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a POST carried, before the test decides the answer. */
export interface IncomingPost {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** What the receiver answers: a status, and headers such as Retry-After. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
}

export interface RecordingReceiver<T> {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every POST received, in arrival order, whatever it was answered. */
  readonly received: Array<T & { answeredStatus: number }>;
  /** Those answered 2xx: the deliveries that arrived. */
  delivered(): Array<T & { answeredStatus: number }>;
  /** How to answer a POST. */
  answerWith(decide: (post: T) => Answer): void;
  /** Resolves once `check` holds for what was received; checked after every POST. */
  until<R>(check: (received: Array<T & { answeredStatus: number }>) => R | undefined | false, timeoutMs?: number): Promise<R>;
  /** Stops listening (connections refused) but keeps the port for `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback recording every POST as `read` makes it out (headers and raw
 * body kept, for signature checks), answering what the test chooses: an outage is a 503, or
 * the port closed and later reopened.
 */
export async function startRecordingReceiver<T>(read: (post: IncomingPost) => T, answer: Answer): Promise<RecordingReceiver<T>> {
  const received: Array<T & { answeredStatus: number }> = [];
  const waiters = new Set<() => void>();
  let decide: (post: T) => Answer = () => answer;
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const post = read({ path: request.url ?? '/', headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
          const answered = decide(post);
          received.push({ ...post, answeredStatus: answered.status });
          response.writeHead(answered.status, answered.headers).end();
          for (const wake of [...waiters]) wake();
        });
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (server === undefined || !server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  await listen();
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    delivered: () => received.filter((post) => post.answeredStatus >= 200 && post.answeredStatus < 300),
    answerWith: (next) => void (decide = next),
    until: (check, timeoutMs = 30_000) =>
      waitUntil(
        () => check(received),
        waiters,
        timeoutMs,
        () => `${received.length} received`,
      ),
    pause: stop,
    resume: listen,
    close: stop,
  };
}

/** Resolves with `check`'s first truthy value, re-checked whenever a waiter is woken. */
export function waitUntil<T>(
  check: () => T | undefined | false,
  waiters: Set<() => void>,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const attempt = () => {
      const value = check();
      if (value === undefined || value === false) return;
      finish();
      resolve(value);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`not received within ${timeoutMs} ms (${describe()})`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(attempt);
    };
    waiters.add(attempt);
    attempt();
  });
}
