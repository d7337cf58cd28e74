import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../src/embedded/anvil.process';
import { eventually } from '../support/eventually';
import { runPreflightCli as preflight } from '../support/preflight-cli';
import { bareEnvironment, isListening, startServiceProcess } from '../support/processes';

describe('npm run preflight -- --embedded', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-preflight-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('passes against the zero-configuration development environment that `npm start` runs', async () => {
    const ports = { http: await freePort(), postgres: await freePort(), anvil: await freePort() };
    const where = { HAVEN_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(ports.postgres), EMBEDDED_ANVIL_PORT: String(ports.anvil) };
    const service = startServiceProcess(bareEnvironment({ ...where, PORT: String(ports.http) }));
    try {
      await eventually(async () => expect((await fetch(`http://127.0.0.1:${ports.http}/health/ready`)).status).toBe(200), {
        timeoutMs: 60_000,
      });

      const result = await preflight(where, ['--embedded']);

      expect(result.code).toBe(0);
      for (const name of ['configuration', 'database', 'migrations', 'rpc', 'contract', 'signer roles', 'signer gas']) {
        expect(result.row(name).status).toBe('PASS');
      }
      expect(result.row('redis')).toMatchObject({ status: 'WARN' });
      expect(result.row('rpc').detail).toBe('reachable, chain id 31337');
      const { BACKEND_PRIVATE_KEY } = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
        BACKEND_PRIVATE_KEY: string;
      };
      const { password } = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as { password: string };
      expect(result.output).not.toContain(BACKEND_PRIVATE_KEY.slice(2));
      expect(result.output).not.toContain(password);
    } finally {
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      expect(await isListening(ports.postgres)).toBe(false);
    }
  }, 85_000);
});
