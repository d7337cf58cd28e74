import type { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';
import { type Address, parseUnits } from 'viem';

import { AlertService } from '../../src/alerting/alert.service';
import { ProcessRole } from '../../src/bootstrap/process-role';
import { havenAbi } from '../../src/chain/haven.abi';
import { type AlertReceiver, startAlertReceiver } from '../support/alert-receiver';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { eventually } from '../support/eventually';
import { attemptRows, requestRows } from '../support/factories';
import { type ServiceInstance, startInstance } from '../support/service-instances';
import { tokenClient } from '../token/token-client';

const SIGNING_SECRET = 'webhook-signing-secret-0123456789';

/** Every background loop, as `ProcessRole` names them; an `all` or `worker` instance runs each. */
const BACKGROUND_LOOPS = [
  'AlertDeliveryWorker',
  'CallbackDeliveryWorker',
  'CallbackWakeups',
  'MonitorScheduler',
  'NonceGapHealer',
  'ReceiptConfirmer',
  'StuckTransactionReplacer',
  'TransactionSender',
];

describe('PROCESS_ROLE: an api and a worker instance sharing one database, one Redis key prefix and one chain', () => {
  let receiver: AlertReceiver;
  let api: TestApp;
  let client: Awaited<ReturnType<typeof tokenClient>>;
  let worker: INestApplication | undefined;
  let queuedMint: { txId: string; to: Address };

  beforeAll(async () => {
    receiver = await startAlertReceiver();
    api = await startTestApp({
      config: (config) => ({
        ...config,
        processRole: 'api',
        alerting: {
          ...config.alerting,
          webhook: {
            enabled: true,
            targets: [{ format: 'webhook', url: receiver.url('/generic') }],
            escalationTargets: [],
            secret: SIGNING_SECRET,
          },
          routes: { info: [], warning: [], error: [], critical: ['webhook'] },
        },
      }),
    });
    // Before any worker runs: it sends with the backend wallet from then on.
    client = await tokenClient(api);
  });

  let workerProcess: ServiceInstance | undefined;

  afterAll(async () => {
    await workerProcess?.stop();
    await worker?.close();
    await api?.close();
    await receiver?.close();
  });

  describe('with only the api instance running', () => {
    it('starts no background loop and schedules nothing', () => {
      expect(api.app.get(ProcessRole).backgroundWork).toEqual([]);
      expect(api.app.get(SchedulerRegistry).getIntervals()).toEqual([]);
    });

    it('accepts a mint with 202 and leaves it queued in the database, with no send attempt, for a worker to pick up', async () => {
      const body = client.mintBody();
      const response = await client.post('mint', body);

      expect(response.status).toBe(202);
      queuedMint = { txId: response.body.txId as string, to: body.to };
      const [row] = await requestRows(api.database.url, [queuedMint.txId]);
      expect([row.status, row.tx_hash, row.nonce]).toEqual(['queued', null, null]);
      expect(await attemptRows(api.database.url, queuedMint.txId)).toEqual([]);
    });

    it('is ready: /health/ready checks the database and Redis, not the loops it does not run', async () => {
      const ready = await request(api.server).get('/health/ready');

      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
    });
  });

  describe('once a worker instance runs beside it', () => {
    beforeAll(async () => {
      worker = await createTestApplication({ ...api.config, processRole: 'worker' });
    });

    it('runs every background loop on the worker and still none on the api instance', () => {
      expect([...worker!.get(ProcessRole).backgroundWork].sort()).toEqual(BACKGROUND_LOOPS);
      expect(worker!.get(SchedulerRegistry).getIntervals()).toEqual(['monitor']);
      expect(api.app.get(ProcessRole).backgroundWork).toEqual([]);
    });

    it('sends and confirms the mint the api instance accepted', async () => {
      const [row] = await eventually(
        async () => {
          const rows = await requestRows(api.database.url, [queuedMint.txId]);
          expect(rows[0].status).toBe('confirmed');
          return rows;
        },
        { timeoutMs: 30_000 },
      );

      expect(row.tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
      const balance = await api.chain.publicClient.readContract({
        address: api.chain.contractAddress,
        abi: havenAbi,
        functionName: 'balanceOf',
        args: [queuedMint.to],
      });
      expect(balance).toBe(parseUnits('12.5', 18));
    });

    it('delivers an alert raised on the api instance', async () => {
      const id = await api.app
        .get(AlertService)
        .raise({ severity: 'critical', category: 'process_role_test', title: 'Raised on the api instance', message: 'x' });

      await eventually(() => expect(receiver.delivered('/generic').filter((post) => post.rawBody.includes(id))).toHaveLength(1), {
        timeoutMs: 15_000,
      });
    });

    it('answers 404 on the worker for the client API, the admin API, the Python routes and /docs', async () => {
      const server = worker!.getHttpServer();
      const answers = await Promise.all([
        request(server).post('/api/v1/token/mint').set('X-API-Key', TEST_API_KEY).send(client.mintBody()),
        request(server).get(`/api/v1/transactions/${queuedMint.txId}`).set('X-API-Key', TEST_API_KEY),
        request(server).get('/api/v1/admin/alerts').set('X-API-Key', TEST_ADMIN_API_KEY),
        request(server).get('/token/balance/guest-1').set('X-API-Key', TEST_API_KEY),
        request(server).get('/docs'),
      ]);

      expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404]);
      expect(answers[0].body.error).toBe('ROUTE_NOT_FOUND');
    });

    it('serves the probes and /metrics on the worker', async () => {
      const server = worker!.getHttpServer();
      const [live, ready, overall, metrics] = await Promise.all([
        request(server).get('/health/live'),
        request(server).get('/health/ready'),
        request(server).get('/health'),
        request(server).get('/metrics'),
      ]);

      expect([live.status, ready.status, overall.status, metrics.status]).toEqual([200, 200, 200, 200]);
      expect(ready.body.status).toBe('ok');
      expect(metrics.text).toContain('haven_queue_depth');
    });
  });
  describe('a worker started as operators start it (npm start, PROCESS_ROLE=worker, WORKERS=2)', () => {
    beforeAll(async () => {
      // The in-process worker goes: whatever is sent from now on, the worker process sent.
      await worker?.close();
      worker = undefined;
      workerProcess = await startInstance(
        { databaseUrl: api.database.url, chain: api.chain, redisKeyPrefix: api.config.redis.keyPrefix },
        { PROCESS_ROLE: 'worker', WORKERS: '2', LOG_LEVEL: 'info' },
      );
    });

    it('gives the role to both cluster processes, which serve probes but not the client API', async () => {
      await eventually(() => expect(workerProcess!.process.output().match(/PROCESS_ROLE=worker/g)).toHaveLength(2));
      const mint = await fetch(`${workerProcess!.url}/api/v1/token/mint`, {
        method: 'POST',
        headers: { 'X-API-Key': TEST_API_KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify(client.mintBody()),
      });

      expect(mint.status).toBe(404);
      expect((await fetch(`${workerProcess!.url}/health/ready`)).status).toBe(200);
    });

    it('confirms a mint the api instance accepts', async () => {
      const response = await client.post('mint', client.mintBody({ amount: '3' }));

      expect(response.status).toBe(202);
      await eventually(
        async () => expect((await requestRows(api.database.url, [response.body.txId as string]))[0].status).toBe('confirmed'),
        { timeoutMs: 30_000 },
      );
    });
  });
});
