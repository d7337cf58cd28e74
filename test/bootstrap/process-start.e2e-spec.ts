import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../src/embedded/anvil.process';
import { eventually } from '../support/eventually';
import { bareEnvironment, connectionCounter, isListening, startServiceProcess } from '../support/processes';

describe('process start-up', () => {
  it('refuses a production configuration naming every bad variable, before opening any connection', async () => {
    const [redis, rpc] = await Promise.all([connectionCounter(), connectionCounter()]);
    try {
      const service = startServiceProcess(
        bareEnvironment({
          ENVIRONMENT: 'production',
          WALLET_ENCRYPTION_KEY: 'abc',
          REDIS_URL: `redis://127.0.0.1:${redis.port}`,
          RPC_URL: `http://127.0.0.1:${rpc.port}`,
        }),
      );
      const code = await service.exited;

      expect(code).not.toBe(0);
      expect(service.output()).toContain('DATABASE_URL: is required in production');
      expect(service.output()).toMatch(/WALLET_ENCRYPTION_KEY: must be Fernet keys/);
      expect(service.output()).not.toContain('abc\n');
      expect(redis.count() + rpc.count()).toBe(0);
    } finally {
      await Promise.all([redis.close(), rpc.close()]);
    }
  });

  describe('with no configuration at all (embedded development environment)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'haven-start-'));
    let ports: { http: number; postgres: number; anvil: number };

    beforeAll(async () => {
      ports = { http: await freePort(), postgres: await freePort(), anvil: await freePort() };
    });

    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    const start = () =>
      startServiceProcess(
        bareEnvironment({
          // Only where to put things, so the test cannot collide with a developer's own `npm start`.
          HAVEN_DATA_DIR: dataDir,
          PORT: String(ports.http),
          EMBEDDED_POSTGRES_PORT: String(ports.postgres),
          EMBEDDED_ANVIL_PORT: String(ports.anvil),
        }),
      );
    const url = (path: string) => `http://127.0.0.1:${ports.http}${path}`;

    async function stopAndExpectNothingLeft(service: ReturnType<typeof start>): Promise<void> {
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      expect(await isListening(ports.http)).toBe(false);
      expect(await isListening(ports.postgres)).toBe(false);
      expect(await isListening(ports.anvil)).toBe(false);
    }

    it('serves the docs and a healthy /health with the database and HAVEN on the local chain, and stops everything on SIGTERM', async () => {
      const service = start();
      try {
        await eventually(async () => expect((await fetch(url('/health/live'))).status).toBe(200), { timeoutMs: 90_000 });

        expect((await fetch(url('/docs'))).status).toBe(200);
        const openApi = (await (await fetch(url('/docs/openapi.json'))).json()) as { openapi: string; paths: object };
        expect(openApi.openapi).toMatch(/^3\./);
        expect(Object.keys(openApi.paths)).toContain('/health');

        // The details need the admin key the development start generated.
        const { ADMIN_API_KEY } = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as { ADMIN_API_KEY: string };
        const health = await fetch(url('/health'), { headers: { 'X-API-Key': ADMIN_API_KEY } });
        const body = (await health.json()) as { status: string; info: Record<string, Record<string, unknown>> };
        expect(health.status).toBe(200);
        expect(body.info.database.status).toBe('up');
        expect(body.info.blockchain).toMatchObject({ status: 'up', token_symbol: 'HAVEN', chain_id: 31337 });
        expect(service.output()).toMatch(/client X-API-Key: {2}\S{43}/);
      } finally {
        await stopAndExpectNothingLeft(service);
      }
    }, 150_000);

    it('reuses its data on the next start: same secrets, same contract, keys not printed again', async () => {
      const secretsBefore = readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8');
      const contractBefore = JSON.parse(readFileSync(join(dataDir, 'chain.json'), 'utf8')).contractAddress as string;
      const service = start();
      try {
        // Readiness first: it is never rate-limited, unlike /health.
        await eventually(async () => expect((await fetch(url('/health/ready'))).status).toBe(200), { timeoutMs: 90_000 });
        await eventually(async () => expect((await fetch(url('/health'))).status).toBe(200), { timeoutMs: 30_000, intervalMs: 1000 });

        expect(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')).toBe(secretsBefore);
        expect(JSON.parse(readFileSync(join(dataDir, 'chain.json'), 'utf8')).contractAddress).toBe(contractBefore);
        expect(service.output()).not.toContain('client X-API-Key');
        expect(service.output()).not.toContain('HAVEN deployed');
      } finally {
        await stopAndExpectNothingLeft(service);
      }
    }, 150_000);
  });
});
