import cluster, { type Worker } from 'node:cluster';

import { Logger } from '@nestjs/common';

import type { RawEnvironment } from '../config';

const RESTART_DELAY_MS = 1_000;
const logger = new Logger('Cluster');

/**
 * Runs `WORKERS` copies of the HTTP service sharing one port. A worker that dies is
 * replaced; on shutdown every worker is asked to stop and is awaited.
 */
export function startWorkers(count: number, env: RawEnvironment): { shutdown(): Promise<void> } {
  let stopping = false;
  const fork = (): Worker => cluster.fork(env);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting a replacement`);
    setTimeout(() => !stopping && fork(), RESTART_DELAY_MS).unref();
  });
  for (let i = 0; i < count; i++) fork();

  return {
    shutdown: async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
