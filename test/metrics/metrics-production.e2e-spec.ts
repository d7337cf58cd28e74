import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/log-capture';

/**
 * In a file of its own: the log capture follows the first application a jest worker starts
 * (nestjs-pino keeps one root logger per process), so this application must be that one.
 */
describe('/metrics in production with neither METRICS_PORT nor METRICS_TOKEN', () => {
  const logs = captureLogs();
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ logStream: logs.stream, config: (config) => ({ ...config, environment: 'production' }) });
  });

  afterAll(() => testApp?.close());

  it('is not served: 404 ROUTE_NOT_FOUND, as for any unknown route', async () => {
    for (const headers of [{}, { Authorization: 'Bearer anything' }]) {
      const response = await request(testApp.server).get('/metrics').set(headers);

      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ error: 'ROUTE_NOT_FOUND', details: { method: 'GET', path: '/metrics' } });
      expect(response.text).not.toContain('haven_');
    }
  });

  it('said so once at start, with how to enable it', async () => {
    const lines = () => logs.text().split('\n');
    // Lines reach the stream asynchronously; the refusals above were logged after the warning.
    await eventually(() => expect(lines().filter((line) => line.includes('"statusCode":404'))).toHaveLength(2));

    const warnings = lines().filter((line) => line.includes('/metrics is not served'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, context: 'Metrics' });
    expect(warnings[0]).toContain('METRICS_PORT');
    expect(warnings[0]).toContain('METRICS_TOKEN');
  });
});
