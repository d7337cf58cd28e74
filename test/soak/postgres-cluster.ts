import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { runMigrations } from '../../src/database/migrations.runner';
import { freePort } from '../../src/embedded/anvil.process';
import { eventually } from '../support/eventually';

/** A PostgreSQL cluster private to the campaign, so restarting it touches nothing else. */
export interface PrivatePostgres {
  url: string;
  /** Fast shutdown, `downMs` without a server, then the same cluster on the same port. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const DATABASE = 'haven_soak';

/** The newest system PostgreSQL: its initdb and postgres binaries. */
function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return join('/usr/lib/postgresql', versions[0], 'bin');
}

/** PostgreSQL refuses to run as root; as root the cluster runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** initdb into a temp dir, start on a free loopback port (no Unix socket), migrate. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'haven-soak-pg-'));
  chmodSync(dir, 0o700);
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'], {
    stdio: 'pipe',
    ...user,
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/${DATABASE}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    // fsync off: the campaign tests the service's behaviour across restarts, not disk durability.
    const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    args.push('-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'shared_buffers=64MB');
    const started = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...user });
    started.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    started.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child = started;
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`postgres exited:\n${output}`);
        const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
        await client.connect();
        await client.end();
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  };
  const shutdown = async () => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGINT'); // fast shutdown: open sessions are cut, as in a real restart
    await exited;
  };

  await start();
  const admin = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  await runMigrations(url);

  return {
    url,
    restart: async (downMs) => {
      await shutdown();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
