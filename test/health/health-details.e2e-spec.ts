import request from 'supertest';

import { RedisHealthIndicator } from '../../src/health/redis.health';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';

const DETAILS_TOKEN = 'health-details-token-0123456789abcdef';
const SECOND_ADMIN_KEY = 'second-admin-key-0123456789abcdef';

/** Ways of calling `/health` that must see the status and nothing else. */
const STATUS_ONLY: Array<[string, Record<string, string>]> = [
  ['no credentials', {}],
  ['a wrong admin key', { 'X-API-Key': 'not-the-admin-key-0123456789' }],
  ['the client key', { 'X-API-Key': TEST_API_KEY }],
  ['a wrong bearer token', { Authorization: 'Bearer not-the-details-token-0123456789' }],
  ['the details token with a suffix', { Authorization: `Bearer ${DETAILS_TOKEN}x` }],
  ['the details token in X-API-Key', { 'X-API-Key': DETAILS_TOKEN }],
  ['the details token without the Bearer scheme', { Authorization: DETAILS_TOKEN }],
  ['an admin key as a bearer token', { Authorization: `Bearer ${TEST_ADMIN_API_KEY}` }],
  ['an empty bearer token', { Authorization: 'Bearer ' }],
];

/** Ways of calling `/health` that see the details. */
const DETAILED: Array<[string, Record<string, string>]> = [
  ['an admin key', { 'X-API-Key': TEST_ADMIN_API_KEY }],
  ['the second admin key', { 'X-API-Key': SECOND_ADMIN_KEY }],
  ['the details token', { Authorization: `Bearer ${DETAILS_TOKEN}` }],
  ['the details token, scheme in lower case', { Authorization: `bearer ${DETAILS_TOKEN}` }],
  ['a wrong admin key but the details token', { 'X-API-Key': 'nope-0123456789', Authorization: `Bearer ${DETAILS_TOKEN}` }],
];

describe('/health details are for operators only', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      config: (config) => ({
        ...config,
        http: { ...config.http, healthDetailsToken: DETAILS_TOKEN },
        security: { ...config.security, adminApiKeys: [TEST_ADMIN_API_KEY, SECOND_ADMIN_KEY] },
      }),
    });
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(() => testApp.close());

  const health = (headers: Record<string, string>) => request(testApp.server).get('/health').set(headers);

  it.each(STATUS_ONLY)('answers only the status to a caller with %s', async (_label, headers) => {
    const response = await health(headers);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    // Not the signer's address, nor anything else a detail would give away.
    expect(response.text.toLowerCase()).not.toContain(testApp.chain.backendAddress.slice(2).toLowerCase());
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it.each(DETAILED)('shows the details to a caller with %s', async (_label, headers) => {
    const response = await health(headers);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' }, blockchain: { status: 'up', token_symbol: 'HAVEN' } },
      circuit_breakers: { blockchain: { state: 'closed' } },
      monitoring: { sending_held: [], nonce: { address: testApp.chain.backendAddress } },
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 with the status alone to anonymous callers when the service cannot take requests', async () => {
    jest.spyOn(testApp.app.get(RedisHealthIndicator), 'check').mockResolvedValue({ redis: { status: 'down', message: 'injected' } });

    // The last report may be served for up to a second before the next is computed.
    const anonymous = await eventually(async () => {
      const response = await health({});
      expect(response.status).toBe(503);
      return response;
    });
    expect(anonymous.body).toEqual({ status: 'error' });

    const operator = await health({ 'X-API-Key': TEST_ADMIN_API_KEY });
    expect(operator.status).toBe(503);
    expect(operator.body).toMatchObject({ status: 'error', error: { redis: { status: 'down', message: 'injected' } } });
  });

  it('leaves /health/live and /health/ready as they were', async () => {
    const live = await request(testApp.server).get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await request(testApp.server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.info).sort()).toEqual(['database', 'redis', 'shutdown']);
  });

  it('documents both answers and the optional admin key in the OpenAPI document', async () => {
    const { body: doc } = await request(testApp.server).get('/docs/openapi.json');
    const operation = doc.paths['/health'].get;

    expect(operation.security).toEqual(expect.arrayContaining([{}, { 'admin-key': [] }]));
    expect(operation.security).toHaveLength(2);
    for (const status of ['200', '503']) {
      expect(operation.responses[status].content['application/json'].schema.oneOf).toEqual([
        { $ref: '#/components/schemas/HealthStatusDto' },
        { $ref: '#/components/schemas/HealthDetailsDto' },
      ]);
    }
    expect(doc.components.schemas.HealthStatusDto.properties.status.enum).toEqual(['ok', 'degraded', 'error']);
    expect(Object.keys(doc.components.schemas.HealthDetailsDto.properties)).toEqual(
      expect.arrayContaining(['status', 'info', 'error', 'details', 'circuit_breakers', 'monitoring']),
    );
  });
});

describe('/health without HEALTH_DETAILS_TOKEN', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(() => testApp.close());

  it.each([
    ['no bearer token', {}],
    ['an empty bearer token', { Authorization: 'Bearer ' }],
    ['any bearer token', { Authorization: 'Bearer anything-at-all' }],
  ])('answers only the status to %s', async (_label, headers: Record<string, string>) => {
    const response = await request(testApp.server).get('/health').set(headers);

    expect(response.body).toEqual({ status: 'ok' });
  });

  it('still shows the details to an admin key', async () => {
    const response = await request(testApp.server).get('/health').set('X-API-Key', TEST_ADMIN_API_KEY);

    expect(response.body.info.blockchain.status).toBe('up');
  });
});
