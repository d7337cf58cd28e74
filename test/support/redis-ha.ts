import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import Redis from 'ioredis';

import type { RedisNode } from '../../src/config';
import { freePort } from '../../src/embedded/anvil.process';
import { eventually } from './eventually';

const run = promisify(execFile);
const HOST = '127.0.0.1';

/** A `redis-server` child process of the test, in its own temp directory. */
interface RedisProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnRedis(dir: string, port: number, args: string[]): RedisProcess {
  const child = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs one command on a short-lived connection that never retries: an answer, or an error at once. */
export async function ask(port: number, ...command: string[]): Promise<unknown> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(command[0], ...command.slice(1));
  } finally {
    redis.disconnect();
  }
}

async function waitForPing(server: RedisProcess): Promise<void> {
  await eventually(
    async () => {
      if (server.child.exitCode !== null) throw new ServerExited(server);
      expect(await ask(server.port, 'PING')).toBe('PONG');
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}

class ServerExited extends Error {
  constructor(readonly server: RedisProcess) {
    super(`redis-server on ${server.port} exited:\n${server.output()}`);
  }
}

/**
 * Starts a server on `portCount` free ports and waits for its PING. A port found free can be
 * taken by a parallel test before redis-server binds it; then the server exits with "Address
 * already in use" and is started again on fresh ports.
 */
async function launch(portCount: number, start: (ports: number[]) => RedisProcess, servers: RedisProcess[]): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < portCount; i++) ports.push(await freePort());
    const server = start(ports);
    servers.push(server);
    try {
      await waitForPing(server);
      return server;
    } catch (error) {
      const portTaken = error instanceof ServerExited && error.server.output().includes('Address already in use');
      if (!portTaken || attempt === 5) throw error;
      await server.stop();
      servers.splice(servers.indexOf(server), 1);
    }
  }
}

export interface LocalRedisCluster {
  /** The seed nodes, as REDIS_CLUSTER_NODES lists them. */
  nodes: RedisNode[];
  /** `host:port,…` for the environment of a service process. */
  nodeList: string;
  stop(): Promise<void>;
}

/**
 * A three-master Redis Cluster (no replicas, no persistence) on free ports, created with
 * `redis-cli --cluster create`; resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'haven-redis-cluster-'));
  const servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The bus port is chosen too: the default (port + 10000) may fall outside the port range.
    await Promise.all(
      Array.from({ length: masters }, () =>
        launch(
          2,
          ([port, busPort]) =>
            spawnRedis(dir, port, [
              ...['--port', String(port), '--bind', HOST, '--cluster-enabled', 'yes', '--cluster-port', String(busPort)],
              ...['--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
              ...['--save', '', '--appendonly', 'no', '--daemonize', 'no'],
            ]),
          servers,
        ),
      ),
    );
    const nodes = servers.map(({ port }) => ({ host: HOST, port }));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map(({ port }) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    await eventually(
      async () => {
        for (const { port } of nodes) expect(String(await ask(port, 'CLUSTER', 'INFO'))).toContain('cluster_state:ok');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    return { nodes, nodeList: nodes.map(({ port }) => `${HOST}:${port}`).join(','), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LocalRedisSentinel {
  /** The Sentinels, as REDIS_SENTINELS lists them. */
  sentinels: RedisNode[];
  sentinelList: string;
  masterName: string;
  /** The master as every Sentinel reports it. */
  master(): Promise<RedisNode>;
  /**
   * `SENTINEL FAILOVER`: promotes the replica. Resolves with the new master once every
   * Sentinel reports it and it answers as master.
   */
  failover(): Promise<RedisNode>;
  stop(): Promise<void>;
}

/**
 * One master, one replica and three Sentinels (quorum 2) on free ports. Resolves once every
 * Sentinel knows the replica and the other Sentinels, so a failover can start at once.
 */
export async function startRedisSentinel(masterName = 'haven-test'): Promise<LocalRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'haven-redis-sentinel-'));
  const servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const dataNode = (port: number, extra: string[] = []) =>
    spawnRedis(dir, port, ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extra]);
  try {
    const master = await launch(1, ([port]) => dataNode(port), servers);
    const masterPort = master.port;
    const replica = await launch(1, ([port]) => dataNode(port, ['--replicaof', HOST, String(masterPort)]), servers);
    const replicaPort = replica.port;
    await eventually(async () => expect(String(await ask(replicaPort, 'INFO', 'replication'))).toContain('master_link_status:up'), {
      timeoutMs: 15_000,
    });

    const sentinels = await Promise.all(
      [1, 2, 3].map(() =>
        launch(
          1,
          ([port]) => {
            // Sentinel rewrites its configuration file as it learns, so each gets its own.
            const file = join(dir, `sentinel-${port}.conf`);
            writeFileSync(
              file,
              [
                `port ${port}`,
                `bind ${HOST}`,
                `sentinel monitor ${masterName} ${HOST} ${masterPort} 2`,
                `sentinel down-after-milliseconds ${masterName} 1000`,
                `sentinel failover-timeout ${masterName} 10000`,
                `sentinel parallel-syncs ${masterName} 1`,
                '',
              ].join('\n'),
            );
            return spawnRedis(dir, port, [file, '--sentinel']);
          },
          servers,
        ),
      ),
    );
    const sentinelPorts = sentinels.map(({ port }) => port);
    await eventually(
      async () => {
        for (const port of sentinelPorts) {
          const replicas = (await ask(port, 'SENTINEL', 'REPLICAS', masterName)) as string[][];
          expect(replicas.map((fields) => fields[fields.indexOf('port') + 1])).toEqual([String(replicaPort)]);
          expect(((await ask(port, 'SENTINEL', 'SENTINELS', masterName)) as unknown[]).length).toBe(sentinelPorts.length - 1);
        }
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    const reportedMaster = async (): Promise<RedisNode> => {
      const addresses = await Promise.all(
        sentinelPorts.map(async (port) => (await ask(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string]),
      );
      const distinct = new Set(addresses.map(([host, port]) => `${host}:${port}`));
      if (distinct.size !== 1) throw new Error(`the Sentinels disagree on the master: ${[...distinct].join(', ')}`);
      return { host: addresses[0][0], port: Number(addresses[0][1]) };
    };

    return {
      sentinels: sentinelPorts.map((port) => ({ host: HOST, port })),
      sentinelList: sentinelPorts.map((port) => `${HOST}:${port}`).join(','),
      masterName,
      master: reportedMaster,
      failover: async () => {
        const before = await reportedMaster();
        await ask(sentinelPorts[0], 'SENTINEL', 'FAILOVER', masterName);
        return eventually(
          async () => {
            const after = await reportedMaster();
            expect(after.port).not.toBe(before.port);
            expect(((await ask(after.port, 'ROLE')) as unknown[])[0]).toBe('master');
            return after;
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
