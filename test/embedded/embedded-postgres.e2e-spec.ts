import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { isListening, REPO_ROOT } from '../support/processes';

type LauncherEvent = { event: 'started'; url: string; port: number } | { event: 'failed'; message: string } | { event: 'stopped' };

interface Launched {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Starts EmbeddedPostgres in its own Node process (see the fixture for why). */
function launch(dataDir: string, port?: number): Promise<Launched> {
  const args = ['-r', '@swc-node/register', join(__dirname, 'postgres-launcher.fixture.ts'), dataDir];
  if (port !== undefined) args.push(String(port));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const next = () =>
    new Promise<LauncherEvent>((resolve, reject) => {
      child.once('message', (message) => resolve(message as LauncherEvent));
      child.once('exit', (code) => reject(new Error(`launcher exited (${code}) without a word: ${stderr}`)));
    });
  return next().then((event) => {
    if (event.event !== 'started') throw new Error(event.event === 'failed' ? event.message : 'unexpected event');
    return {
      url: event.url,
      port: event.port,
      stop: async () => {
        const stopped = next();
        child.send('stop');
        expect(await stopped).toEqual({ event: 'stopped' });
      },
    };
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('EmbeddedPostgres', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'haven-embedded-pg-'));
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('initialises once, keeps its data across restarts and stops for good', async () => {
    const port = await freePort();

    const first = await launch(dataDir, port);
    expect(first.url).toMatch(new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${port}/haven$`));
    await query(first.url, 'CREATE TABLE guests (name text); INSERT INTO guests VALUES ($$Ada$$)');
    await first.stop();
    expect(await isListening(port)).toBe(false);

    const recordPath = join(dataDir, 'postgres.json');
    expect(statSync(recordPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(recordPath, 'utf8'))).toMatchObject({ port, user: 'postgres', database: 'haven' });

    // No port given: the recorded one is reused, with the same password.
    const second = await launch(dataDir);
    expect(second.url).toBe(first.url);
    expect(await query(second.url, 'SELECT name FROM guests')).toEqual([{ name: 'Ada' }]);
    await second.stop();
    expect(await isListening(port)).toBe(false);
  }, 120_000);

  it('refuses to reuse a cluster whose recorded password was lost', async () => {
    unlinkSync(join(dataDir, 'postgres.json'));
    await expect(launch(dataDir)).rejects.toThrow(/password of the cluster .* is unknown/);
    // Nothing was invented in its place: the next start gives the same clear answer.
    expect(existsSync(join(dataDir, 'postgres.json'))).toBe(false);
  }, 30_000);
});
