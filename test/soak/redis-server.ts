import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../src/embedded/anvil.process';
import { eventually } from '../support/eventually';
import { ask } from '../support/redis-ha';

/** A redis-server private to the campaign, without persistence: a restart loses every key. */
export interface PrivateRedis {
  url: string;
  /** SIGKILL, then a fresh empty server on the same port. */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'haven-soak-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const started = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' });
    child = started;
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${started.exitCode}`);
        if ((await ask(port, 'PING')) !== 'PONG') throw new Error('no PONG');
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
  };
  const kill = async () => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    restartEmpty: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
