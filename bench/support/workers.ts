/**
 * Benchmark support: load from several OS processes, started together.
 *
 * The parent forks N copies of a benchmark file (`child_process.fork`, inheriting
 * `-r @swc-node/register`) with a role argument. Each child prepares (connects, warms up),
 * reports `ready`, and waits; once all are ready the parent sends `go` to all, so no child
 * measures while another is still starting. Each child then runs its load and sends back one
 * result (structured clone, so typed arrays travel as they are) and exits.
 *
 * The whole phase is bounded: past `timeoutMs` the children are killed (by their pid, each
 * one we forked) and the promise rejects.
 *
 * Child side: `serveWorker(async () => { ...prepare...; return async () => result })`.
 */
import { type ChildProcess, fork } from 'node:child_process';

type ToChild = { type: 'go' };
type FromChild<T> = { type: 'ready' } | { type: 'result'; result: T } | { type: 'error'; message: string };

export async function runWorkers<T>(options: {
  file: string;
  count: number;
  args: (index: number) => string[];
  timeoutMs: number;
}): Promise<T[]> {
  const children: ChildProcess[] = [];
  const results: T[] = new Array<T>(options.count);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T[]>((resolve, reject) => {
      let ready = 0;
      let done = 0;
      timer = setTimeout(() => reject(new Error(`workers did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
      for (let index = 0; index < options.count; index++) {
        const child = fork(options.file, options.args(index), { serialization: 'advanced', stdio: 'inherit' });
        children.push(child);
        child.on('message', (message: FromChild<T>) => {
          if (message.type === 'ready' && ++ready === options.count) {
            for (const c of children) c.send({ type: 'go' } satisfies ToChild);
          } else if (message.type === 'result') {
            results[index] = message.result;
            if (++done === options.count) resolve(results);
          } else if (message.type === 'error') {
            reject(new Error(`worker ${index}: ${message.message}`));
          }
        });
        child.on('exit', (code) => {
          if (results[index] === undefined) reject(new Error(`worker ${index} exited with code ${code} before reporting`));
        });
      }
    });
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Child side of `runWorkers`: prepare, say ready, wait for go, run, send the result, exit. */
export function serveWorker<T>(prepare: () => Promise<() => Promise<T>>): void {
  const send = (message: FromChild<T>) => new Promise<void>((resolve) => process.send!(message, undefined, {}, () => resolve()));
  void (async () => {
    try {
      const run = await prepare();
      const go = new Promise<void>((resolve) => process.on('message', (m: ToChild) => m.type === 'go' && resolve()));
      await send({ type: 'ready' });
      await go;
      await send({ type: 'result', result: await run() });
      process.exit(0);
    } catch (error) {
      await send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    }
  })();
}
