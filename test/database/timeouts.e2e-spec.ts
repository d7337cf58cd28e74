import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';

import Redis from 'ioredis';
import type { ClientBase } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';

import { dataSourceOptions, MIGRATION_TIMEOUTS } from '../../src/database/data-source.options';
import { redisOptions } from '../../src/redis/redis.module';
import { createTestDatabase, type TestDatabase, withAdminClient } from '../support/database';
import { eventually } from '../support/eventually';

const STATEMENT_TIMEOUT_MS = 300;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 1000;

describe('PostgreSQL session timeouts', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The very options the service's DatabaseModule builds, with small limits.
    dataSource = await new DataSource(
      dataSourceOptions(database.url, 2, {
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
        idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      }),
    ).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('cancels a statement that runs past the statement timeout', async () => {
    const started = Date.now();
    const failure = await dataSource.query('SELECT pg_sleep(5)').then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('57014');
    expect((failure as Error).message).toContain('canceling statement due to statement timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    // The session survives a cancelled statement.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('has the server end a session left idle inside a transaction, and the pool carries on', async () => {
    const queryRunner = dataSource.createQueryRunner();
    const client = (await queryRunner.connect()) as ClientBase;
    const serverError = new Promise<Error & { code?: string }>((resolve) => client.once('error', resolve));
    await queryRunner.startTransaction();
    const [{ pid }] = (await queryRunner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;

    const error = await serverError;

    expect(error.code).toBe('25P03');
    expect(error.message).toContain('idle-in-transaction timeout');
    await eventually(async () => {
      const { rowCount } = await withAdminClient((admin) => admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]));
      expect(rowCount).toBe(0);
    });
    await queryRunner.release().catch(() => undefined);
    // TypeORM hands the broken connection back as broken: the pool opens a fresh one.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('applies both limits to every pooled connection, and no statement limit to migrations', async () => {
    const settings = async (source: DataSource) =>
      (await source.query(
        `SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`,
      )) as Array<{ statement: string; idle: string }>;
    const both = await Promise.all([settings(dataSource), settings(dataSource)]);

    expect(both.flat()).toEqual([
      { statement: `${STATEMENT_TIMEOUT_MS}ms`, idle: `${IDLE_IN_TRANSACTION_TIMEOUT_MS / 1000}s` },
      { statement: `${STATEMENT_TIMEOUT_MS}ms`, idle: `${IDLE_IN_TRANSACTION_TIMEOUT_MS / 1000}s` },
    ]);

    const migrations = await new DataSource(dataSourceOptions(database.url, 1, MIGRATION_TIMEOUTS)).initialize();
    try {
      expect(await settings(migrations)).toEqual([{ statement: '0', idle: '1min' }]);
    } finally {
      await migrations.destroy();
    }
  });
});

/**
 * A Redis that accepts connections and reads every command but never answers one; or, with
 * `handshake`, answers the connection's opening commands (name, ready check) and then goes
 * silent, like a server that hangs mid-session.
 */
async function silentRedis({ handshake }: { handshake: boolean }) {
  const sockets = new Set<Socket>();
  const commands: string[][] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let parsed = parseCommand(buffered); parsed !== undefined; parsed = parseCommand(buffered)) {
        buffered = buffered.slice(parsed.length);
        commands.push(parsed.command);
        const name = parsed.command[0].toUpperCase();
        if (handshake && name === 'CLIENT') socket.write('+OK\r\n');
        if (handshake && name === 'INFO') socket.write('$11\r\nloading:0\r\n\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    commands,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One RESP command (an array of bulk strings) from the front of `text`, with its length. */
function parseCommand(text: string): { command: string[]; length: number } | undefined {
  const header = /^\*(\d+)\r\n/.exec(text);
  if (header === null) return undefined;
  let offset = header[0].length;
  const command: string[] = [];
  for (let index = 0; index < Number(header[1]); index++) {
    const size = /^\$(\d+)\r\n/.exec(text.slice(offset));
    if (size === null) return undefined;
    const begin = offset + size[0].length;
    if (text.length < begin + Number(size[1]) + 2) return undefined;
    command.push(text.slice(begin, begin + Number(size[1])));
    offset = begin + Number(size[1]) + 2;
  }
  return { command, length: offset };
}

describe('Redis command timeout', () => {
  it.each([
    ['a server that never answers', false],
    ['a server that stops answering once connected', true],
  ])('fails a command against %s within the timeout instead of hanging the caller', async (_case, handshake) => {
    const server = await silentRedis({ handshake });
    const options = redisOptions({ url: server.url, keyPrefix: 'haven-test:', commandTimeoutMs: 300 });
    // On close ioredis waits this long for the server's side of the socket, which never comes here.
    const closing = { disconnectTimeout: 50 };
    const redis = new Redis(server.url, { ...options, ...closing });
    // The same options without the timeout, to show the command would otherwise still be waiting.
    const { commandTimeout: _omitted, ...withoutTimeout } = options;
    const unbounded = new Redis(server.url, { ...withoutTimeout, ...closing });
    redis.on('error', () => undefined);
    unbounded.on('error', () => undefined);
    try {
      if (handshake) await Promise.all([once(redis, 'ready'), once(unbounded, 'ready')]);
      let unboundedSettled = false;
      void unbounded
        .get('nonce')
        .finally(() => (unboundedSettled = true))
        .catch(() => undefined);
      const started = Date.now();

      await expect(redis.get('nonce')).rejects.toThrow('Command timed out');

      expect(Date.now() - started).toBeLessThan(2000);
      expect(unboundedSettled).toBe(false);
      // Connected and talking: the server heard the client's name, and, once past the
      // handshake, the command itself.
      expect(server.commands).toContainEqual(['client', 'setname', 'haven-backend']);
      if (handshake) expect(server.commands).toContainEqual(['get', 'haven-test:nonce']);
    } finally {
      redis.disconnect();
      unbounded.disconnect();
      await server.close();
    }
  });
});
