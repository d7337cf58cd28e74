import { type IncomingHttpHeaders, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ExecutionContext, INestApplication } from '@nestjs/common';

import { AdminAccessLogMiddleware } from '../../src/admin/admin-access-log.middleware';
import { AdminApiKeyGuard } from '../../src/auth/api-key.guard';
import type { AppConfig } from '../../src/config';
import { MetricsRegistry } from '../../src/metrics/metrics.registry';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';

const LIMITS = { adminPerMinute: 5, clientPerMinute: 8, anonymousPerMinute: 6 };
const KEY_A = 'client-a-key-0123456789abcdef';
const KEY_B = 'client-b-key-0123456789abcdef';
const KEY_C = 'client-c-key-0123456789abcdef';
const WRONG_KEY = 'not-a-key-at-all-0123456789';

const limited = (config: AppConfig): AppConfig => ({
  ...config,
  rateLimits: LIMITS,
  security: {
    ...config.security,
    clientKeys: [
      { client: 'a', key: KEY_A },
      { client: 'b', key: KEY_B },
      { client: 'c', key: KEY_C },
    ],
  },
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}

/**
 * One request from a chosen loopback address (all of 127.0.0.0/8 is this host), so each test
 * is a caller of its own: limits by address do not leak from one test into the next.
 */
interface CallOptions {
  from: string;
  key?: string;
  /** Which header carries the key: `x-api-key`, or the Python backend's `x-admin-key`. */
  keyHeader?: 'x-api-key' | 'x-admin-key';
  method?: string;
}

function call(server: Server, path: string, options: CallOptions): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        localAddress: options.from,
        agent: false,
        headers: options.key === undefined ? {} : { [options.keyHeader ?? 'x-api-key']: options.key },
      },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          let body: Record<string, unknown> | undefined;
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = undefined;
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

let lastAddress = 10;
/** A loopback address no other test has used. */
const newCaller = () => `127.0.0.${lastAddress++}`;

const countBy = (answers: Answer[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

/** Every 429 in the error shape, with RATE_LIMIT_EXCEEDED and a Retry-After within the window. */
function expectRefusals(answers: Answer[]): void {
  for (const answer of answers.filter(({ status }) => status === 429)) {
    expect(answer.body).toMatchObject({ error: 'RATE_LIMIT_EXCEEDED', error_id: expect.any(String), timestamp: expect.any(String) });
    const retryAfter = Number(answer.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((answer.body?.details as { retry_after_seconds: number }).retry_after_seconds).toBe(retryAfter);
  }
}

async function refusedCount(app: INestApplication, limit: string): Promise<number> {
  const metric = await app.get(MetricsRegistry).getSingleMetric('haven_rate_limited_total')!.get();
  return metric.values.find((value) => value.labels.limit === limit)?.value ?? 0;
}

describe('rate limits shared by two instances through Redis', () => {
  let first: TestApp;
  let second: INestApplication;
  let servers: Server[];
  // Installed before the applications mount them: who ran, for which caller.
  const adminAccessLog = jest.spyOn(AdminAccessLogMiddleware.prototype, 'use');
  const adminGuard = jest.spyOn(AdminApiKeyGuard.prototype, 'canActivate');
  const ranFor = (spy: jest.SpyInstance, caller: string, read: (args: unknown[]) => { ip?: string }) =>
    spy.mock.calls.filter((args: unknown[]) => read(args).ip === caller).length;

  beforeAll(async () => {
    first = await startTestApp({ config: limited });
    // A second instance of the same service: same database, chain, Redis and key prefix.
    second = await createTestApplication(first.config);
    await second.listen(0, '127.0.0.1');
    servers = [first.server, second.getHttpServer() as Server];
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    adminAccessLog.mockRestore();
    adminGuard.mockRestore();
  });

  /** `count` concurrent requests, alternating between the two instances. */
  const burst = (count: number, path: string, options: Omit<CallOptions, 'from'> & { from: string | (() => string) }) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        call(servers[i % 2], path, { ...options, from: typeof options.from === 'string' ? options.from : options.from() }),
      ),
    );

  it('holds the admin limit for the sum of the requests to both instances', async () => {
    const before = (await refusedCount(first.app, 'admin')) + (await refusedCount(second, 'admin'));

    const answers = await burst(12, '/api/v1/admin/health/circuit-breakers', { from: newCaller(), key: TEST_ADMIN_API_KEY });

    expect(countBy(answers)).toEqual({ 200: 5, 429: 7 });
    expectRefusals(answers);
    const after = (await refusedCount(first.app, 'admin')) + (await refusedCount(second, 'admin'));
    expect(after - before).toBe(7);
  });

  it("counts admin calls with the Python backend's X-Admin-Key header against the same admin limit", async () => {
    const answers = await burst(12, '/api/v1/admin/health/circuit-breakers', {
      from: newCaller(),
      key: TEST_ADMIN_API_KEY,
      keyHeader: 'x-admin-key',
    });

    expect(countBy(answers)).toEqual({ 200: 5, 429: 7 });
  });

  it('holds a client limit per client, summed over both instances and every address it calls from', async () => {
    const callers = [newCaller(), newCaller(), newCaller()];
    let turn = 0;
    const fromAnyOf = () => callers[turn++ % callers.length];

    const clientA = await burst(14, '/api/v1/transactions', { from: fromAnyOf, key: KEY_A });
    // Client B has a budget of its own, even from the same addresses.
    const clientB = await burst(10, '/api/v1/transactions', { from: fromAnyOf, key: KEY_B });

    expect(countBy(clientA)).toEqual({ 200: 8, 429: 6 });
    expect(countBy(clientB)).toEqual({ 200: 8, 429: 2 });
    expectRefusals([...clientA, ...clientB]);
  });

  it('limits a flood of wrong keys by address, at the anonymous rate on client routes, before any key is compared', async () => {
    const adminCaller = newCaller();
    const admin = await burst(12, '/api/v1/admin/health/circuit-breakers', { from: adminCaller, key: WRONG_KEY });
    const clientCaller = newCaller();
    const client = await burst(12, '/api/v1/token/balance/0x0000000000000000000000000000000000000001', {
      from: clientCaller,
      key: WRONG_KEY,
    });

    expect(countBy(admin)).toEqual({ 401: 5, 429: 7 });
    // The refused requests never reached the key guard.
    expect(ranFor(adminGuard, adminCaller, ([context]) => (context as ExecutionContext).switchToHttp().getRequest<{ ip?: string }>())).toBe(
      5,
    );
    // Without a valid client key a client route is an anonymous request: the anonymous budget.
    expect(countBy(client)).toEqual({ 401: LIMITS.anonymousPerMinute, 429: 12 - LIMITS.anonymousPerMinute });
    expectRefusals([...admin, ...client]);
    // The address is refused, not the clients behind it: a valid key still counts as its client.
    expect((await call(servers[0], '/api/v1/transactions', { from: clientCaller, key: KEY_C })).status).toBe(200);
    // Nor does a correct admin key get past an address already over the admin limit.
    expect((await call(servers[1], '/api/v1/admin/health/circuit-breakers', { from: adminCaller, key: TEST_ADMIN_API_KEY })).status).toBe(
      429,
    );
  });

  it('never throttles /health/live and /health/ready; /health, /metrics and unknown routes share the anonymous limit', async () => {
    const caller = newCaller();

    const probes = [...(await burst(20, '/health/live', { from: caller })), ...(await burst(20, '/health/ready', { from: caller }))];
    const anonymous = [
      ...(await burst(2, '/health', { from: caller })),
      ...(await burst(2, '/metrics', { from: caller })),
      ...(await burst(4, '/no-such-route', { from: caller })),
    ];

    expect(probes.map(({ status }) => status)).toEqual(probes.map(() => 200));
    expect(anonymous.filter(({ status }) => status !== 429)).toHaveLength(LIMITS.anonymousPerMinute);
    expect(anonymous.filter(({ status }) => status === 429)).toHaveLength(2);
    expectRefusals(anonymous);
    expect((await call(servers[0], '/health/live', { from: caller })).status).toBe(200);
  });

  it('limits unknown admin routes under the admin limit, before the admin access log sees them', async () => {
    const caller = newCaller();
    const answers = await burst(8, '/api/v1/admin/no-such-route', { from: caller });

    expect(countBy(answers)).toEqual({ 404: 5, 429: 3 });
    expectRefusals(answers);
    expect(ranFor(adminAccessLog, caller, ([request]) => request as { ip?: string })).toBe(5);
  });
});

describe('rate limits without Redis', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ config: (config) => limited({ ...config, redis: { ...config.redis, url: undefined } }) });
  });

  afterAll(() => app?.close());

  it('still holds every limit, counted in this process', async () => {
    const caller = newCaller();
    const admin = await Promise.all(
      Array.from({ length: 8 }, () => call(app.server, '/api/v1/admin/health/circuit-breakers', { from: caller, key: TEST_ADMIN_API_KEY })),
    );
    const client = await Promise.all(
      Array.from({ length: 10 }, () => call(app.server, '/api/v1/transactions', { from: caller, key: KEY_A })),
    );
    const live = await Promise.all(Array.from({ length: 10 }, () => call(app.server, '/health/live', { from: caller })));

    expect(countBy(admin)).toEqual({ 200: 5, 429: 3 });
    expect(countBy(client)).toEqual({ 200: 8, 429: 2 });
    expect(countBy(live)).toEqual({ 200: 10 });
    expectRefusals([...admin, ...client]);
  });
});
