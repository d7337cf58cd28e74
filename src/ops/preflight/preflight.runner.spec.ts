import { fail, pass, type PreflightCheck, warn } from './preflight.check';
import { errorDetail, hasFailure, runChecks } from './preflight.runner';
import { formatSummary, formatTable } from './preflight.table';

const check = (name: string, run: PreflightCheck['run']): PreflightCheck => ({ name, run });

describe('pre-flight runner', () => {
  it('keeps the order the checks were given, whatever order they answer in, and flattens multi-row checks', async () => {
    const rows = await runChecks([
      check('slow', () => new Promise((resolve) => setImmediate(() => resolve(pass('slow', 'late'))))),
      check('pair', async () => [pass('first', 'a'), warn('second', 'b')]),
    ]);

    expect(rows.map((row) => row.name)).toEqual(['slow', 'first', 'second']);
  });

  it('turns a check that outlives its bound into a FAIL row under its name, and honours a check’s own bound', async () => {
    const never = () => new Promise<never>(() => undefined);

    const rows = await runChecks([check('silent', never), { ...check('patient', never), timeoutMs: 30 }], 20);

    expect(rows).toEqual([fail('silent', 'no answer within 0.02 s'), fail('patient', 'no answer within 0.03 s')]);
  });

  it('turns a throw into a FAIL row of one redacted line, with the code found among its causes', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8545'), { code: 'ECONNREFUSED' });
    const thrown = new Error('HTTP request failed.\nURL: https://base-mainnet.g.alchemy.com/v2/s3cr3t-key\nRequest body: {}', {
      cause: new TypeError('fetch failed', { cause }),
    });

    const [row] = await runChecks([check('rpc', () => Promise.reject(thrown))]);

    expect(row).toEqual(fail('rpc', 'HTTP request failed (ECONNREFUSED)'));
    expect(errorDetail(new Error('password authentication failed: postgres://app:hunter2@db:5432/haven'))).toBe(
      'password authentication failed: postgres://app:[REDACTED]@db:5432/haven',
    );
  });

  it('fails the run on any FAIL row, never on warnings alone', () => {
    expect(hasFailure([pass('a', ''), warn('b', '')])).toBe(false);
    expect(hasFailure([pass('a', ''), fail('c', '')])).toBe(true);
  });

  it('prints an aligned table and a summary saying whether the environment is ready', () => {
    const rows = [pass('database', 'reachable'), warn('redis persistence', 'off'), fail('rpc', 'chain id mismatch')];

    expect(formatTable(rows).split('\n')).toEqual([
      'CHECK              STATUS  DETAIL',
      '-----------------  ------  ------',
      'database           PASS    reachable',
      'redis persistence  WARN    off',
      'rpc                FAIL    chain id mismatch',
      '',
    ]);
    expect(formatSummary(rows)).toBe('NOT READY: 1 passed, 1 warning(s), 1 failed\n');
    expect(formatSummary(rows.slice(0, 2))).toBe('READY: 1 passed, 1 warning(s), 0 failed\n');
  });
});
