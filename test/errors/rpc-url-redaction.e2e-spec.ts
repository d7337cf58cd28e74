import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { insertQueuedRequest } from '../support/factories';
import { captureLogs } from '../support/log-capture';

/** Shaped like a provider key in an Alchemy URL; it must never leave the process. */
const SECRET = 'SECRET-PROVIDER-KEY-123';
const HOLDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

describe('the RPC URL (and the provider key in it) in errors', () => {
  let node: Server;
  let origin: string;
  let rpcRequests = 0;
  let testApp: TestApp;
  const logs = captureLogs();
  const answers: string[] = [];

  beforeAll(async () => {
    // A node that fails every request, at a URL carrying a key in its path as providers do.
    node = createServer((incoming, response) => {
      rpcRequests++;
      incoming.resume();
      incoming.on('end', () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error'));
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
    const rpcUrl = `${origin}/v2/${SECRET}`;
    testApp = await startTestApp({
      logStream: logs.stream,
      config: (config) => ({
        ...config,
        chain: { ...config.chain, rpcUrl },
        // The breaker stays closed, so every read reaches the node and viem's error with it.
        circuitBreakers: { ...config.circuitBreakers, blockchain: { ...config.circuitBreakers.blockchain, failureThreshold: 1000 } },
      }),
    });
  });

  afterAll(async () => {
    await testApp?.close();
    node?.closeAllConnections();
    await new Promise((resolve) => node?.close(resolve));
  });

  async function get(path: string, headers: Record<string, string> = {}): Promise<request.Response> {
    const response = await request(testApp.server).get(path).set(headers);
    answers.push(response.text);
    return response;
  }

  it('reaches no HTTP answer, error_logs row or log line while the node fails', async () => {
    // A queued mint sets the sender asking the node for fees, and logging viem's error.
    await insertQueuedRequest(testApp.database.url, { address: HOLDER, amount: 1n, chainId: testApp.chain.chainId });
    const balance = await get(`/api/v1/token/balance/${HOLDER}`, { 'X-API-Key': TEST_API_KEY });
    const health = await get('/health', { 'X-API-Key': TEST_ADMIN_API_KEY });
    await get('/health/ready');

    expect(balance.status).toBe(503);
    expect(balance.body.error).toBe('SERVICE_UNAVAILABLE');
    expect(health.body.details.blockchain.status).toBe('down');
    expect(rpcRequests).toBeGreaterThan(0);
    // The sender's loop logs viem's own error, whose every text quotes the URL; the node's
    // host stays in it for diagnosis.
    await eventually(() => expect(logs.text()).toContain(`"type":"HttpRequestError"`));
    expect(logs.text()).toContain(`URL: ${origin}/[REDACTED]`);

    for (const answer of answers) expect(answer).not.toContain(SECRET);
    const errorLogs = await withClient(
      testApp.database.url,
      async (client) => (await client.query<object>('SELECT * FROM error_logs')).rows,
    );
    expect(errorLogs.length).toBeGreaterThan(0);
    expect(JSON.stringify(errorLogs)).not.toContain(SECRET);
    expect(await tablesMentioning(SECRET)).toEqual([]);
    expect(logs.text()).not.toContain(SECRET);
  });

  /** Every table, in case some other writer stores error text. */
  async function tablesMentioning(text: string): Promise<string[]> {
    return withClient(testApp.database.url, async (client) => {
      const { rows: tables } = await client.query<{ name: string }>(
        `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      const found: string[] = [];
      for (const { name } of tables) {
        const { rows } = await client.query(`SELECT 1 FROM ${name} t WHERE t::text LIKE '%' || $1 || '%' LIMIT 1`, [text]);
        if (rows.length > 0) found.push(name);
      }
      return found;
    });
  }
});
