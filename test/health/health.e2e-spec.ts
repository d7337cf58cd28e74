import request from 'supertest';

import { startTestApp, type TestApp } from '../support/app';

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
    const response = await request(testApp.server).get('/health');

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
  });

  it('/health/ready needs the database and Redis, not the chain', async () => {
    const response = await request(testApp.server).get('/health/ready');

    expect(response.status).toBe(200);
    expect(Object.keys(response.body.info).sort()).toEqual(['database', 'redis', 'shutdown']);
  });

  it('/health turns 503 with the failing check named when the chain is gone, within a second', async () => {
    await testApp.chain.stop();
    const started = Date.now();
    const response = await request(testApp.server).get('/health');

    expect(response.status).toBe(503);
    expect(response.body.status).toBe('error');
    expect(response.body.error.blockchain.status).toBe('down');
    expect(response.body.info.database.status).toBe('up');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await request(testApp.server).get('/health/ready')).status).toBe(200);
  });
});
