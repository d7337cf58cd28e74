/**
 * bench:intake's baseline: the floor for "store, then answer". A bare `node:http` server (no
 * framework, no validation, no auth) with a `pg` Pool, run as its own process (forked by
 * `startBareIntakeServer`, this file with the role `serve`).
 *
 * - `POST /api/v1/token/mint`: parses the JSON body, one `INSERT` into `transactions` with the
 *   columns our intake writes (TransactionBatchStore.insertQueued, same ON CONFLICT), answers
 *   202 with the new id.
 * - `POST /api/v1/token/mint/batch`: the same for every item, as one multi-row `INSERT` of
 *   `unnest`ed arrays, answering 202 with the contract's `accepted` / `rejected` counts.
 * `request_hash` is a sha256 of the request's JSON, as ours stores one; nothing is checked.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Pool } from 'pg';

const CLIENT_ID = 'default';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const INSERT_ONE = `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash,
                                              chain_id, callback_url)
                   VALUES ($1, 'mint', 'queued', $2, $3, $4, $5, $6, $7, $8, $9)
                   ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING id`;
const INSERT_MANY = `INSERT INTO transactions (client_id, kind, status, user_id, address, amount, reason, idempotency_key, request_hash,
                                               chain_id, callback_url)
                     SELECT $1, 'mint', 'queued', u, a, m::numeric, r, k, h, $2, c
                       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS t(u, a, m, r, k, h, c)
                     ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING id`;

interface Item {
  idempotencyKey?: string;
  userId: string;
  to: string;
  amount: string;
  reason: string;
  callbackUrl?: string;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function serve(): void {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE) });
  const chainId = Number(process.env.CHAIN_ID);

  async function mint(request: IncomingMessage, text: string): Promise<unknown> {
    const item = JSON.parse(text) as Item;
    const key = request.headers['idempotency-key'] as string;
    const values = [CLIENT_ID, item.userId, item.to, item.amount, item.reason, key, sha256(text), chainId, item.callbackUrl ?? null];
    const { rows } = await pool.query<{ id: string }>(INSERT_ONE, values);
    return { txId: rows[0]?.id, status: 'queued' };
  }

  async function mintBatch(text: string): Promise<unknown> {
    const { items } = JSON.parse(text) as { items: Item[] };
    const column = (pick: (item: Item) => string | null) => items.map(pick);
    const { rows } = await pool.query<{ id: string }>(INSERT_MANY, [
      CLIENT_ID,
      chainId,
      column((item) => item.userId),
      column((item) => item.to),
      column((item) => item.amount),
      column((item) => item.reason),
      column((item) => item.idempotencyKey ?? null),
      column((item) => sha256(JSON.stringify(item))),
      column((item) => item.callbackUrl ?? null),
    ]);
    return {
      accepted: rows.length,
      rejected: 0,
      items: rows.map((row, index) => ({ index, outcome: 'created', transaction: { txId: row.id } })),
    };
  }

  const server = createServer((request, response) => {
    void (async () => {
      try {
        const text = await readBody(request);
        if (request.method === 'POST' && request.url === '/api/v1/token/mint') answer(response, 202, await mint(request, text));
        else if (request.method === 'POST' && request.url === '/api/v1/token/mint/batch') answer(response, 202, await mintBatch(text));
        else answer(response, 404, { code: 'NOT_FOUND' });
      } catch (error) {
        answer(response, 500, { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('SIGTERM', () => void pool.end().finally(() => process.exit(0)));
}

export interface IntakeServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface IntakeServerOptions {
  databaseUrl: string;
  poolSize: number;
  chainId: number;
}

/** Forks `modulePath` with the role `serve` against `databaseUrl`; resolves once it listens (it sends its port). */
export async function forkIntakeServer(modulePath: string, label: string, options: IntakeServerOptions): Promise<IntakeServer> {
  const child = fork(modulePath, ['serve'], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.poolSize),
      CHAIN_ID: String(options.chainId),
    },
    stdio: 'inherit',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${label} exited with code ${code} before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Forks the bare server against `databaseUrl`; resolves once it listens. */
export const startBareIntakeServer = (options: IntakeServerOptions): Promise<IntakeServer> =>
  forkIntakeServer(__filename, 'bare intake server', options);

if (require.main === module && process.argv[2] === 'serve') serve();
