import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { TEST_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/log-capture';

type LogLine = Record<string, unknown> & { reqId?: string; req?: Record<string, unknown>; res?: Record<string, unknown> };

/**
 * The line written when a request completes, and the lines written while serving it. In a
 * file of its own: the log capture follows the first application a jest worker starts
 * (nestjs-pino keeps one root logger per process).
 */
describe('request log lines', () => {
  const logs = captureLogs();
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ logStream: logs.stream });
  });

  afterAll(() => testApp?.close());

  const lines = (): LogLine[] =>
    logs
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine);

  it('names the request in full, its secrets redacted, on the line written when it completes', async () => {
    const response = await request(testApp.server)
      .post('/api/v1/token/mint?source=request-log')
      .set({ 'X-API-Key': TEST_API_KEY, 'X-Request-Id': 'request-log-1', 'Idempotency-Key': 'request-log-1' })
      .send({ userId: 'request-log', to: `0x${'12'.repeat(20)}`, amount: '1', reason: 'request log' });
    expect(response.status).toBe(202);

    await eventually(() => expect(lines().some((line) => line.reqId === 'request-log-1' && line.res !== undefined)).toBe(true));
    const completed = lines().find((line) => line.reqId === 'request-log-1' && line.res !== undefined)!;
    expect(completed).toMatchObject({
      level: 30,
      req: { id: 'request-log-1', method: 'POST', url: '/api/v1/token/mint?source=request-log' },
      res: { statusCode: 202 },
      responseTime: expect.any(Number),
    });
    const headers = completed.req!.headers as Record<string, string>;
    expect(headers['x-api-key']).toBe('[REDACTED]');
    expect(headers['idempotency-key']).toBe('request-log-1');
    expect(logs.text()).not.toContain(TEST_API_KEY);
  });

  it('gives the lines written while serving a request its id, not the whole request', async () => {
    // An unknown client key: the guard refuses it and the refusal is logged as it happens.
    const response = await request(testApp.server)
      .get('/api/v1/token/balance/0x1212121212121212121212121212121212121212')
      .set({ 'X-API-Key': 'not-a-configured-key', 'X-Request-Id': 'request-log-2' });
    expect(response.status).toBe(401);

    await eventually(() => expect(lines().some((line) => line.reqId === 'request-log-2' && line.res !== undefined)).toBe(true));
    const served = lines().filter((line) => line.reqId === 'request-log-2' && line.res === undefined);
    expect(served.length).toBeGreaterThan(0);
    for (const line of served) expect(line.req).toBeUndefined();
    expect(logs.text()).not.toContain('not-a-configured-key');
  });
});
