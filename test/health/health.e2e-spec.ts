import { createServer, type Server, type ServerResponse } from 'node:http';

import request from 'supertest';

import { CHECK_TIMEOUT_MS } from '../../src/health/health-report.service';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';

/** `/health` with its details: they need an admin key (or the details token). */
const details = (testApp: TestApp) => request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY);

describe('health probes', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(() => testApp.close());

  it('/health/live answers while the process runs', async () => {
    const response = await request(testApp.server).get('/health/live');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('/health reports the database, shared Redis and the HAVEN contract on the chain', async () => {
    const response = await details(testApp);

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.info.database.status).toBe('up');
    expect(response.body.info.redis).toMatchObject({ status: 'up', mode: 'shared' });
    expect(response.body.info.blockchain).toMatchObject({
      status: 'up',
      chain_id: testApp.chain.chainId,
      token_symbol: 'HAVEN',
    });
    expect(Number(response.body.info.blockchain.latest_block)).toBeGreaterThan(0);
    expect(response.body.info.blockchain.block_age_seconds).toBeGreaterThanOrEqual(0);
  });

  it('/health lists every circuit breaker and a monitoring summary', async () => {
    const response = await details(testApp);

    for (const name of ['blockchain', 'smtp', 'webhook', 'kms']) {
      expect(response.body.circuit_breakers[name]).toMatchObject({ state: 'closed', failure_count: 0, opened_at: null });
    }
    expect(response.body.monitoring).toEqual({
      pending_transactions: 0,
      stuck_transactions: 0,
      stuck_threshold_minutes: 5,
      sending_held: [],
      gas_price_gwei: expect.stringMatching(/^\d+(\.\d+)?$/),
      nonce: {
        address: testApp.chain.backendAddress,
        counter: null,
        chain_pending: expect.stringMatching(/^\d+$/),
        ahead: '0',
        in_flight: 0,
        gaps: 0,
      },
      // The monitor's first tick comes one MONITOR_INTERVAL_SECONDS after start.
      monitor: {
        interval_seconds: 60,
        last_tick_at: null,
        last_tick_instance: null,
        last_tick_duration_ms: null,
        active_conditions: {},
      },
    });
  });

  it('/health/ready needs the database and Redis, not the chain', async () => {
    const response = await request(testApp.server).get('/health/ready');

    expect(response.status).toBe(200);
    expect(Object.keys(response.body.info).sort()).toEqual(['database', 'redis', 'shutdown']);
  });

  it('/health is degraded, not down, when the chain is gone: requests are still taken and queued', async () => {
    await testApp.chain.stop();
    // A report computed before the chain stopped may be served for up to a second.
    const response = await eventually(async () => {
      const answer = await details(testApp);
      expect(answer.body.status).toBe('degraded');
      return answer;
    });

    expect(response.status).toBe(200);
    expect(response.body.error.blockchain.status).toBe('down');
    expect(response.body.info.database.status).toBe('up');
    expect(response.body.monitoring.gas_price_gwei).toBeNull();
    expect((await request(testApp.server).get('/health/ready')).status).toBe(200);
    expect((await request(testApp.server).get('/health/live')).status).toBe(200);
  });
});

describe('health probes against an RPC node that hangs', () => {
  let testApp: TestApp;
  let hangingRpc: Server;
  const held: Array<{ body: string; response: ServerResponse }> = [];

  beforeAll(async () => {
    // Reads every request and answers none until the test is over: the worst case for a probe.
    hangingRpc = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => held.push({ body, response }));
    });
    await new Promise<void>((resolve) => hangingRpc.listen(0, '127.0.0.1', resolve));
    const { port } = hangingRpc.address() as { port: number };
    testApp = await startTestApp({ config: (config) => ({ ...config, chain: { ...config.chain, rpcUrl: `http://127.0.0.1:${port}` } }) });
  });

  afterAll(async () => {
    // Answer what is still waiting, so no call outlives the test, then shut down.
    for (const { body, response } of held.splice(0)) {
      const calls = JSON.parse(body) as { id: number } | Array<{ id: number }>;
      const answer = (id: number) => ({ jsonrpc: '2.0', id, error: { code: -32000, message: 'test over' } });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(Array.isArray(calls) ? calls.map(({ id }) => answer(id)) : answer(calls.id)));
    }
    await request(testApp.server).get('/health/live');
    await testApp.close();
    await new Promise((resolve) => hangingRpc.close(resolve));
  });

  it('/health still answers within a second, naming the chain as the problem', async () => {
    const started = Date.now();
    const response = await details(testApp);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.body.status).toBe('degraded');
    // Ended by the check's own budget, not by the probe client's 1 s RPC timeout.
    expect(response.body.error.blockchain).toMatchObject({ status: 'down', message: `timeout of ${CHECK_TIMEOUT_MS}ms exceeded` });
    expect(response.body.monitoring.gas_price_gwei).toBeNull();
    expect(response.body.monitoring.pending_transactions).toBe(0);
  });
});
