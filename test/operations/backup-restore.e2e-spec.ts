import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';
import request from 'supertest';
import { type Address, verifyMessage } from 'viem';

import { AlertCategory } from '../../src/alerting/alert.constants';
import { AlertService } from '../../src/alerting/alert.service';
import { WalletAuditService } from '../../src/custody/audit/wallet-audit.service';
import { WalletCustodyService } from '../../src/custody/wallet-custody.service';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_API_KEY, TEST_REDIS_URL } from '../support/config';
import { createTestDatabase, type TestDatabase, withClient } from '../support/database';
import { eventually } from '../support/eventually';
import { bareEnvironment, isListening, REPO_ROOT } from '../support/processes';

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of scripts/*.sh as an operator would, with only the given variables set; never throws. */
function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(join(REPO_ROOT, 'scripts', script), args, { cwd: REPO_ROOT, env: bareEnvironment(env) }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Exact row count of every table in the public schema. */
async function rowCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const counts: Record<string, number> = {};
    for (const { table_name } of rows)
      counts[table_name] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"`)).rows[0].n;
    return counts;
  });
}

/** The URL with a password added: trust authentication ignores it, the scripts must never print it. */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

const PASSWORD = `never-printed-${randomBytes(4).toString('hex')}`;
const WALLETS = ['backup-wallet-1', 'backup-wallet-2'];

describe('scripts/backup-db.sh and restore-db.sh', () => {
  let source: TestApp;
  let restored: TestDatabase;
  let workdir: string;
  let backupFile: string;
  let addresses: Record<string, Address>;
  let sourceCounts: Record<string, number>;
  let backup: ScriptRun;

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'haven-backup-'));
    backupFile = join(workdir, 'haven.dump');
    source = await startTestApp();
    const custody = source.app.get(WalletCustodyService);
    addresses = {};
    for (const walletId of WALLETS) addresses[walletId] = (await custody.create(walletId, {}, { actor: 'backup-test' })).address;
    const mint = await request(source.server)
      .post('/api/v1/token/mint')
      .set('X-API-Key', TEST_API_KEY)
      .set('Idempotency-Key', `backup-${randomBytes(4).toString('hex')}`)
      .send({ userId: 'guest-1', to: newAddress(), amount: '12.5', reason: 'backup drill' });
    expect(mint.status).toBe(202);
    await eventually(async () => {
      const response = await request(source.server).get(`/api/v1/transactions/${mint.body.txId}`).set('X-API-Key', TEST_API_KEY);
      expect(response.body.status).toBe('confirmed');
    });
    await source.app.get(AlertService).raise({
      severity: 'info',
      category: AlertCategory.SYSTEM_TEST,
      title: 'Backup drill',
      message: 'An alert that must survive a backup and restore.',
    });
    // Stopped (its database kept), so no background loop writes rows between counting and dumping.
    await source.app.close();
    sourceCounts = await rowCounts(source.database.url);
    backup = await runScript('backup-db.sh', [backupFile], { DATABASE_URL: withPassword(source.database.url, PASSWORD) });
    restored = await createTestDatabase({ migrated: false });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([source?.close(), restored?.drop()]);
    rmSync(workdir, { recursive: true, force: true });
  });

  it('writes a custom-format archive and says which file, how big and how many tables, never the password', () => {
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toContain(`to ${backupFile}`);
    expect(backup.stdout).toMatch(/size: .*\(\d+ bytes\)/);
    expect(backup.stdout).toContain(`tables: ${Object.keys(sourceCounts).length} `);
    expect(backup.stdout).not.toContain(PASSWORD);
  });

  it('refuses to overwrite an existing backup file', async () => {
    const again = await runScript('backup-db.sh', [backupFile], { DATABASE_URL: source.database.url });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('refusing to overwrite an existing file');
  });

  describe('restored into a fresh, empty database', () => {
    let restore: ScriptRun;

    beforeAll(async () => {
      restore = await runScript('restore-db.sh', [backupFile, withPassword(restored.url, PASSWORD)]);
    });

    it('has every table with the same number of rows, wallets, the transaction and the alert included', async () => {
      expect(restore).toMatchObject({ code: 0, stderr: '' });
      expect(restore.stdout).not.toContain(PASSWORD);
      expect(restore.stdout).toMatch(/public\.wallet_custody\s+2\n/);
      expect(sourceCounts).toMatchObject({ wallet_custody: 2, transactions: 1, alert_logs: 1 });
      expect(await rowCounts(restored.url)).toEqual(sourceCounts);
    });

    it('opens a wallet key to its address with the same Fernet key, and the audit chain verifies', async () => {
      const app = await createTestApplication({
        ...source.config,
        database: { ...source.config.database, url: restored.url },
        redis: { ...source.config.redis, keyPrefix: `${source.config.redis.keyPrefix}restored:` },
      });
      try {
        const message = 'restore drill';
        const signature = await app
          .get(WalletCustodyService)
          .withSigner(WALLETS[0], { actor: 'backup-test' }, 'restore drill', (account) => account.signMessage({ message }));
        expect(await verifyMessage({ address: addresses[WALLETS[0]], message, signature })).toBe(true);
        const verification = await app.get(WalletAuditService).verify();
        expect(verification).toEqual({ valid: true, checked: sourceCounts.wallet_audit_logs + 1 });
      } finally {
        await app.close();
      }
    });
  });

  it('refuses to restore into a database that has tables (the source itself) and changes nothing there', async () => {
    const refused = await runScript('restore-db.sh', [backupFile], { DATABASE_URL: source.database.url });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/refusing to restore into .*: it is not empty/);
    expect(await rowCounts(source.database.url)).toEqual(sourceCounts);
  });

  it('refuses a backup file that does not exist, or is not a pg_dump custom-format archive', async () => {
    const empty = await createTestDatabase({ migrated: false });
    try {
      const missing = await runScript('restore-db.sh', [join(workdir, 'missing.dump')], { DATABASE_URL: empty.url });
      expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('backup file not found')]);
      const plain = join(workdir, 'plain.sql');
      writeFileSync(plain, 'CREATE TABLE wallets (id int);\n');
      const notArchive = await runScript('restore-db.sh', [plain], { DATABASE_URL: empty.url });
      expect([notArchive.code, notArchive.stderr]).toEqual([1, expect.stringContaining('is not a pg_dump custom-format archive')]);
      expect(await rowCounts(empty.url)).toEqual({});
    } finally {
      await empty.drop();
    }
  });
});

/** A free loopback port: asked of the kernel, then released for redis-server to take. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('scripts/backup-redis.sh and restore-redis.sh', () => {
  const prefix = `haven-backup-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const TTL_MS = 600_000;
  let source: Redis;
  let target: Redis;
  let targetUrl: string;
  let stopTarget: () => Promise<void>;
  let workdir: string;
  let backupFile: string;

  beforeAll(async () => {
    source = new Redis(TEST_REDIS_URL);
    workdir = mkdtempSync(join(tmpdir(), 'haven-redis-backup-'));
    backupFile = join(workdir, 'redis.rdb');
    const port = await freePort();
    // A throwaway, empty Redis that keeps nothing on disk: the restore target.
    const server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workdir],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    stopTarget = async () => {
      server.kill('SIGTERM');
      await exited;
    };
    targetUrl = `redis://127.0.0.1:${port}/0`;
    await eventually(
      async () => {
        if (!(await isListening(port))) throw new Error(`redis-server not listening on ${port} yet`);
      },
      { timeoutMs: 10_000 },
    );
    target = new Redis(targetUrl);

    await source.set(`${prefix}nonce:0xabc`, '42');
    await source.set(`${prefix}binary`, Buffer.from([0, 255, 10, 13, 1]));
    await source.hset(`${prefix}breaker:blockchain`, { state: 'open', failures: '5' });
    await source.set(`${prefix}rate:client`, '7', 'PX', TTL_MS);
  });

  afterAll(async () => {
    const keys = await source.keys(`${prefix}*`);
    if (keys.length > 0) await source.del(...keys);
    source.disconnect();
    target.disconnect();
    await stopTarget();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('restores every key under the prefix with its value, type and remaining TTL, and says how many', async () => {
    const backup = await runScript('backup-redis.sh', [backupFile], { REDIS_URL: TEST_REDIS_URL });
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/db0: \d+ keys/);

    const restore = await runScript('restore-redis.sh', ['--prefix', prefix, backupFile], { REDIS_URL: targetUrl });
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toContain('keys restored: 4 (1 with a TTL)');

    expect((await target.keys('*')).sort()).toEqual((await source.keys(`${prefix}*`)).sort());
    expect(await target.get(`${prefix}nonce:0xabc`)).toBe('42');
    expect(await target.getBuffer(`${prefix}binary`)).toEqual(Buffer.from([0, 255, 10, 13, 1]));
    expect(await target.hgetall(`${prefix}breaker:blockchain`)).toEqual({ state: 'open', failures: '5' });
    expect(await target.pttl(`${prefix}nonce:0xabc`)).toBe(-1);
    const ttl = await target.pttl(`${prefix}rate:client`);
    // What was left of the TTL at the backup, minus the seconds the test itself has taken.
    expect(ttl).toBeGreaterThan(TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
  });

  it('refuses a target that already holds keys under the prefix, or any key without a prefix, and changes nothing', async () => {
    await target.set(`${prefix}nonce:0xabc`, 'changed-since');
    const before = await target.dbsize();
    const underPrefix = await runScript('restore-redis.sh', ['--prefix', prefix, backupFile, targetUrl]);
    expect(underPrefix.code).not.toBe(0);
    expect(underPrefix.stderr).toContain(`already holds keys under the prefix '${prefix}'`);
    const whole = await runScript('restore-redis.sh', [backupFile, targetUrl]);
    expect(whole.code).not.toBe(0);
    expect(whole.stderr).toMatch(/database 0 is not empty \(\d+ keys\)/);
    expect([await target.dbsize(), await target.get(`${prefix}nonce:0xabc`)]).toEqual([before, 'changed-since']);
  });

  it('refuses a missing file and a file that is not an RDB snapshot', async () => {
    const missing = await runScript('restore-redis.sh', [join(workdir, 'missing.rdb'), targetUrl]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('backup file not found')]);
    const notRdb = join(workdir, 'not.rdb');
    writeFileSync(notRdb, 'PGDMP pretending');
    const wrong = await runScript('restore-redis.sh', [notRdb, targetUrl]);
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining('is not a Redis RDB file')]);
  });
});
