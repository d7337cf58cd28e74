import request from 'supertest';

import { CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import { BlockchainHealthIndicator } from '../../src/health/blockchain.health';
import { HealthReportService } from '../../src/health/health-report.service';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { type RpcFaultProxy, startRpcFaultProxy } from '../support/rpc-fault-proxy';

/**
 * `/health` is anonymous, so a flood of it must not reach the dependencies more than a probe
 * a second would, nor move the shared `blockchain` breaker. The service reaches its node
 * through a fault proxy that counts every JSON-RPC call; an idle service makes none of its
 * own, so every call counted here is the probe's.
 */
describe('/health under load', () => {
  let proxy: RpcFaultProxy;
  let testApp: TestApp;
  let upstream = '';

  beforeAll(async () => {
    proxy = await startRpcFaultProxy(() => upstream);
    testApp = await startTestApp({
      config: (config) => {
        upstream = config.chain.rpcUrl;
        return { ...config, chain: { ...config.chain, rpcUrl: proxy.url } };
      },
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    proxy.clearAll();
  });

  afterAll(async () => {
    await testApp?.close();
    await proxy?.close();
  });

  const health = (headers: Record<string, string> = {}) => request(testApp.server).get('/health').set(headers);
  const detailed = () => health({ 'X-API-Key': TEST_ADMIN_API_KEY });
  const blockchainBreaker = () => testApp.app.get(CircuitBreakerRegistry).get('blockchain')!;
  const computations = () => jest.spyOn(testApp.app.get(BlockchainHealthIndicator), 'check');

  it('computes one report for 50 concurrent callers, and asks the node once', async () => {
    const indicator = testApp.app.get(BlockchainHealthIndicator);
    const check = indicator.check.bind(indicator);
    // The computation is held until every caller has arrived, so all 50 meet it in flight.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const computed = jest.spyOn(indicator, 'check').mockImplementation(async (timeoutMs) => {
      await gate;
      return check(timeoutMs);
    });
    const asked = jest.spyOn(testApp.app.get(HealthReportService), 'overall');
    proxy.resetCounts();

    const burst = Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? detailed() : health())));
    await eventually(() => expect(asked).toHaveBeenCalledTimes(50), { intervalMs: 10 });
    release();
    const responses = await burst;

    expect(computed).toHaveBeenCalledTimes(1);
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    const reports = responses.filter((_, i) => i % 2 === 0).map((response) => JSON.stringify(response.body));
    expect(new Set(reports).size).toBe(1);
    expect(responses.filter((_, i) => i % 2 === 1).map((response) => response.body)).toEqual(Array(25).fill({ status: 'ok' }));
    // One block read, one gas price read: the node heard of one report, not fifty.
    expect(proxy.calls()).toMatchObject({ eth_getBlockByNumber: 1, eth_gasPrice: 1 });

    // Callers right after it are served that report (or, should a second have passed, one new report).
    await Promise.all(Array.from({ length: 50 }, () => health()));
    expect(computed.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('never opens the blockchain breaker with the node down, however many probes come', async () => {
    const computed = computations();
    proxy.resetCounts();
    proxy.inject({ methods: '*', fault: { kind: 'status', status: 503 } });

    const answers: request.Response[] = [];
    // 200 calls in waves of 25, until the node has failed several reports' worth of reads.
    for (let wave = 0; wave < 8; wave++) answers.push(...(await Promise.all(Array.from({ length: 25 }, () => health()))));
    await eventually(async () => {
      answers.push(await health());
      expect(computed.mock.calls.length).toBeGreaterThanOrEqual(3);
    });

    expect(answers.length).toBeGreaterThanOrEqual(200);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // The probes did reach the failing node (before the first report, `ok` may still be served)...
    expect(answers.at(-1)!.body).toEqual({ status: 'degraded' });
    expect(Object.values(proxy.faulted()).reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(3 * 5);
    // ...and the breaker heard of none of it: closed, with no failure counted.
    expect(blockchainBreaker().snapshot).toMatchObject({ state: 'closed', failureCount: 0 });
    const report = (await detailed()).body;
    expect(report.circuit_breakers.blockchain).toMatchObject({ state: 'closed', failure_count: 0 });
    expect(report.error.blockchain).toMatchObject({ status: 'down' });
    expect(report.monitoring).toMatchObject({ gas_price_gwei: null, nonce: null });
  });

  it('does not clear failures the service counted: a probe that reaches the node records no success', async () => {
    const breaker = blockchainBreaker();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(outage)).catch(() => undefined);
    expect(breaker.snapshot).toMatchObject({ state: 'closed', failureCount: 2 });
    const computed = computations();

    // A report computed after the failures, with the node answering.
    await eventually(async () => {
      const report = (await detailed()).body;
      expect(computed).toHaveBeenCalled();
      expect(report.info.blockchain).toMatchObject({ status: 'up', token_symbol: 'HAVEN' });
      expect(report.circuit_breakers.blockchain).toMatchObject({ state: 'closed', failure_count: 2 });
    });
    expect(breaker.snapshot).toMatchObject({ state: 'closed', failureCount: 2 });

    await testApp.app.get(CircuitBreakerRegistry).reset('blockchain');
  });

  it('reports an open breaker without asking the node anything', async () => {
    const breaker = blockchainBreaker();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 5; i++) await breaker.execute(() => Promise.reject(outage)).catch(() => undefined);
    expect(breaker.snapshot.state).toBe('open');
    proxy.resetCounts();

    const report = await eventually(async () => {
      const body = (await detailed()).body;
      expect(body.error?.blockchain).toMatchObject({ status: 'down', message: 'breaker open', retry_at: expect.any(String) });
      return body;
    });
    await Promise.all(Array.from({ length: 50 }, () => health()));

    expect(report.status).toBe('degraded');
    expect(report.circuit_breakers.blockchain).toMatchObject({ state: 'open', failure_count: 5 });
    expect(report.monitoring).toMatchObject({ gas_price_gwei: null, nonce: null });
    expect(proxy.calls()).toEqual({});
    expect(breaker.snapshot).toMatchObject({ state: 'open', failureCount: 5 });

    await testApp.app.get(CircuitBreakerRegistry).reset('blockchain');
  });
});
