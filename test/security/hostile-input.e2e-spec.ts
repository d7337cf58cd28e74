import { parseUnits } from 'viem';

import { havenAbi } from '../../src/chain/haven.abi';
import { USER_ID_PATTERN } from '../../src/common/ids';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_ADMIN_API_KEY, TEST_API_KEY } from '../support/config';
import { custodyCallAuditRows, type DatabaseState, databaseState, lastAuditId, otherAuditActions } from './database-state';
import { type Expectation, type HostileCase, hostileCases, plainCase, type RouteFixture } from './hostile-cases';
import { LONG_10K, LONG_100K } from './hostile-values';
import { type OpenApiDocument, type Route, routeName, routesOf } from './openapi';
import { mapBounded, RawHttp, type RawResponse, sendBytes } from './raw-http';

/**
 * Generated from the OpenAPI document the app serves: every route, with its key, gets
 * malformed and oversize bodies, every field with the wrong type, very long strings, SQL and
 * path-traversal shapes, prototype-pollution keys, NUL and control characters, huge numbers
 * and bytes that are not UTF-8. Every answer must be a 4xx in the error shape with a stable
 * code (or, for a hostile input the schema allows, anything but a 5xx), and the database and
 * the chain must be exactly as they were.
 */

const CONCURRENCY = 16;
const ERROR_SHAPE_KEYS = ['details', 'error', 'error_id', 'message', 'request_id', 'timestamp', 'user_message'];
const STABLE_CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user with a custodial wallet holding HAVEN: a request for it that got through would mint or burn. */
const FUNDED_USER = 'hostile-funded-user';
/** A user with no wallet: a valid request for it stores nothing. */
const WALLETLESS_USER = 'hostile-walletless-user';

let sequence = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`;

const FIXTURES: Record<string, RouteFixture> = {
  'POST /api/v1/token/mint': { safe: { userId: WALLETLESS_USER, amount: '1' }, live: () => ({ userId: FUNDED_USER, amount: '1' }) },
  'POST /api/v1/token/redeem': { safe: { userId: WALLETLESS_USER, amount: '1' }, live: () => ({ userId: FUNDED_USER, amount: '1' }) },
  // Creating a wallet that exists is refused; a fresh id would be created. A hostile walletId
  // that is a valid id ('9223372036854775807') would create that wallet: it goes with a
  // metadata that is not an object, so it is still parsed and validated but creates nothing.
  'POST /api/v1/admin/wallets': {
    safe: { walletId: FUNDED_USER },
    live: () => ({ walletId: fresh('hostile-new-wallet') }),
    identity: { field: 'walletId', spoiler: { metadata: 'not an object' } },
  },
  // The Python backend's mint opens a wallet for a new user, so a walletless user is no safe
  // base: it asks above MAX_MINT_AMOUNT (refused before any wallet is opened), and an amount
  // that would pass goes with a reason that does not.
  'POST /token/mint': {
    safe: { user_id: WALLETLESS_USER, amount: 10_000_000 },
    live: () => ({ user_id: FUNDED_USER, amount: 1 }),
    identity: { field: 'amount', spoiler: { reason: 12345 } },
  },
  'POST /token/redeem': {
    safe: { user_id: WALLETLESS_USER, amount: 1 },
    live: () => ({ user_id: FUNDED_USER, amount: 1, idempotency_key: fresh('hostile-key') }),
  },
};

interface Failure {
  route: string;
  input: string;
  expected: Expectation;
  status: number;
  problem: string;
  body: string;
}

/** What is wrong with an answer, or undefined. */
function problemWith(expect: Expectation, response: RawResponse): string | undefined {
  if (response.status >= 500) return 'server error';
  if (response.status < 400) return expect === 'reject' ? 'accepted an input that is invalid by the schema' : undefined;
  const body = response.json as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'error answer is not a JSON object';
  const keys = Object.keys(body).sort();
  if (keys.join() !== ERROR_SHAPE_KEYS.join()) return `error shape has keys [${keys.join(', ')}]`;
  if (typeof body.error !== 'string' || !STABLE_CODE.test(body.error)) return `error code ${JSON.stringify(body.error)} is not UPPER_SNAKE`;
  if (body.error === 'INTERNAL_ERROR') return 'INTERNAL_ERROR with a 4xx status';
  if (typeof body.message !== 'string' || typeof body.user_message !== 'string') return 'message or user_message is not a string';
  if (typeof body.error_id !== 'string' || !UUID.test(body.error_id)) return 'error_id is not a uuid';
  if (typeof body.request_id !== 'string' || body.request_id.length === 0) return 'request_id missing';
  if (typeof body.timestamp !== 'string' || Number.isNaN(Date.parse(body.timestamp))) return 'timestamp is not a date';
  if (body.details === undefined) return 'details missing';
  return undefined;
}

const describeFailures = (failures: Failure[]): string[] =>
  failures.map(
    (failure) =>
      `${failure.route} | ${failure.input} | expected ${failure.expected === 'reject' ? '4xx' : 'not 5xx'} | got ${failure.status}: ` +
      `${failure.problem} | ${failure.body.slice(0, 300)}`,
  );

describe('hostile input, generated from the OpenAPI document', () => {
  let testApp: TestApp;
  let http: RawHttp;
  let routes: Route[];

  const keyHeaders = (route: Route): Record<string, string> =>
    route.key === 'admin-key' ? { 'X-API-Key': TEST_ADMIN_API_KEY } : route.key === 'client-key' ? { 'X-API-Key': TEST_API_KEY } : {};

  beforeAll(async () => {
    testApp = await startTestApp();
    http = new RawHttp(testApp.server);
    const document = await http.send({ method: 'GET', url: '/docs/openapi.json', headers: {} });
    expect(document.status).toBe(200);
    routes = routesOf(document.json as OpenApiDocument);

    // The funded user: a custodial wallet (through the API) holding HAVEN (minted on chain directly).
    const created = await http.send({
      method: 'POST',
      url: '/api/v1/admin/wallets',
      headers: { 'X-API-Key': TEST_ADMIN_API_KEY, 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ walletId: FUNDED_USER })),
    });
    expect(created.status).toBe(201);
    const { chain } = testApp;
    const hash = await chain.backendWallet.writeContract({
      address: chain.contractAddress,
      abi: havenAbi,
      functionName: 'mint',
      args: [(created.json as { address: `0x${string}` }).address, parseUnits('1000', 18), 'hostile-input suite'],
    });
    await chain.publicClient.waitForTransactionReceipt({ hash });
  }, 60_000);

  afterAll(async () => {
    http?.close();
    await testApp?.close();
  });

  it('finds every route of the document, with the key it needs', () => {
    const names = routes.map(routeName);
    expect(names).toEqual(expect.arrayContaining(['POST /api/v1/token/mint', 'POST /api/v1/admin/wallets', 'GET /api/v1/transactions']));
    expect(routes.filter((route) => route.key === 'client-key').length).toBeGreaterThanOrEqual(5);
    expect(routes.filter((route) => route.key === 'admin-key').length).toBeGreaterThanOrEqual(10);
    for (const name of Object.keys(FIXTURES)) expect(names).toContain(name);
  });

  it('answers every hostile input with a 4xx in the error shape, and changes no row and nothing on chain', async () => {
    const { chain, database } = testApp;
    const signerNonce = () => chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' });
    const chainBefore = { block: await chain.publicClient.getBlockNumber(), nonce: await signerNonce() };
    const auditBefore = await lastAuditId(database.url);
    const before = await databaseState(database.url);
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining(['transactions', 'transaction_attempts', 'wallet_custody', 'wallet_audit_logs', 'alert_logs', 'error_logs']),
    );
    const pollutionBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    const cases: HostileCase[] = routes.flatMap((route) =>
      hostileCases(route, { fixtures: FIXTURES, keyHeaders, freshHeader: () => fresh('hostile-key') }),
    );
    const failures: Failure[] = [];
    const started = Date.now();
    await mapBounded(cases, CONCURRENCY, async (hostile) => {
      const failure = (status: number, problem: string, body: string) =>
        failures.push({ route: routeName(hostile.route), input: hostile.label, expected: hostile.expect, status, problem, body });
      try {
        const response = await http.send(hostile);
        const problem = problemWith(hostile.expect, response);
        if (problem !== undefined) failure(response.status, problem, response.text);
      } catch (error) {
        failure(0, `no answer: ${(error as Error).message}`, '');
      }
    });
    const elapsedMs = Date.now() - started;

    const after: DatabaseState = await databaseState(database.url);
    const chainAfter = { block: await chain.publicClient.getBlockNumber(), nonce: await signerNonce() };
    const auditRows = await custodyCallAuditRows(database.url, auditBefore);
    const auditActions = await otherAuditActions(database.url, auditBefore);

    // Readable in the report: how much was sent, then everything that went wrong, in one diff.
    const refused = cases.filter((hostile) => hostile.expect === 'reject').length;
    console.info(
      `hostile input: ${routes.length} routes, ${cases.length} requests (${refused} invalid by the schema), ${failures.length} failures, ${elapsedMs} ms`,
      // Here too, because a long diff below can be cut short in a CI log.
      ...describeFailures(failures).map((line) => `\n  ${line}`),
    );
    const changedTables = Object.keys({ ...before, ...after }).filter(
      (table) => JSON.stringify(before[table]) !== JSON.stringify(after[table]),
    );
    expect({
      failures: describeFailures(failures),
      changedTables: Object.fromEntries(changedTables.map((table) => [table, { before: before[table], after: after[table] }])),
      auditActions,
      chain: chainAfter,
      // The call audit rows (left out of the comparison) never name an id that should have been refused.
      auditedInvalidIds: auditRows.filter((row) => row.wallet_id !== null && !USER_ID_PATTERN.test(row.wallet_id)),
      objectPrototype: Object.getOwnPropertyNames(Object.prototype).sort(),
      polluted: ({} as Record<string, unknown>).polluted,
    }).toEqual({
      failures: [],
      changedTables: {},
      auditActions: {},
      chain: chainBefore,
      auditedInvalidIds: [],
      objectPrototype: pollutionBefore,
      polluted: undefined,
    });
  }, 120_000);

  it.each([
    ['a request line that is not HTTP', 'NOT HTTP AT ALL\r\n\r\n', 400],
    ['a control character in the path', 'GET /health/\u0001 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a header without a colon', 'GET /health HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n', 400],
    ['headers above 16 KiB', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${LONG_100K}\r\n\r\n`, 431],
    ['a 100k-char path', `GET /api/v1/transactions/${LONG_100K} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
  ])('answers %s, which Node refuses before the app sees it, in the error shape', async (_label, bytes, status) => {
    const response = await sendBytes(testApp.server, Buffer.from(bytes, 'latin1'));
    expect(response.status).toBe(status);
    expect(problemWith('reject', { status: response.status, json: response.json, text: response.text, headers: {} })).toBeUndefined();
  });

  it('answers 401 in the error shape without a key, with a wrong key, and with a client key on an admin route', async () => {
    const attempts = routes
      .filter((route) => route.key !== null && !route.keyOptional)
      .flatMap((route) => {
        const keys: Array<[string, Record<string, string>]> = [
          ['no key', {}],
          ['wrong key', { 'X-API-Key': 'not-a-key' }],
          ['empty key', { 'X-API-Key': '' }],
          ['10k-char key', { 'X-API-Key': LONG_10K }],
          ['key with latin-1 bytes', { 'X-API-Key': `${TEST_API_KEY}\u00ff` }],
          ['admin key with a suffix', { 'X-API-Key': `${TEST_ADMIN_API_KEY}x` }],
          ['client key with a space inside', { 'X-API-Key': `${TEST_API_KEY.slice(0, 8)} ${TEST_API_KEY.slice(8)}` }],
          ['two keys in one header', { 'X-API-Key': `${TEST_API_KEY}, ${TEST_ADMIN_API_KEY}` }],
          ...(route.key === 'admin-key' ? [['client key', { 'X-API-Key': TEST_API_KEY }] as [string, Record<string, string>]] : []),
        ];
        // The route's own safe case, minus the key: what is refused is the key alone.
        const template = plainCase(route, { fixtures: FIXTURES, keyHeaders: () => ({}), freshHeader: () => fresh('hostile-key') });
        return keys.map(([label, headers]) => ({ route, label, request: { ...template, headers: { ...template.headers, ...headers } } }));
      });
    const failures: Failure[] = [];
    console.info(`key checks: ${attempts.length} requests`);
    await mapBounded(attempts, CONCURRENCY, async ({ route, label, request }) => {
      const response = await http.send(request);
      const problem =
        response.status !== 401
          ? 'not 401'
          : (problemWith('reject', response) ??
            ((response.json as { error?: string }).error === 'INVALID_API_KEY' ? undefined : 'not INVALID_API_KEY'));
      if (problem !== undefined)
        failures.push({ route: routeName(route), input: label, expected: 'reject', status: response.status, problem, body: response.text });
    });
    expect(describeFailures(failures)).toEqual([]);
  });
});
