import { type AddressInfo, connect, type Socket } from 'node:net';

import { startTestApp, type TestApp } from '../support/app';
import { newAddress } from '../support/chain';
import { TEST_API_KEY } from '../support/config';
import { withClient } from '../support/database';
import { eventually } from '../support/eventually';

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A mint request as raw bytes, so a test can send part of it now and the rest later. */
function mintRequestBytes(idempotencyKey: string): Buffer {
  const body = JSON.stringify({ userId: 'guest-1', to: newAddress(), amount: '1', reason: 'drain test' });
  return Buffer.from(
    'POST /api/v1/token/mint HTTP/1.1\r\n' +
      'Host: 127.0.0.1\r\n' +
      `X-API-Key: ${TEST_API_KEY}\r\n` +
      `Idempotency-Key: ${idempotencyKey}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
}

/** The responses a connection received, in order (each with a Content-Length, as this API's are). */
function parseResponses(bytes: Buffer): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = bytes.toString('utf8');
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length']);
    const bodyText = rest.slice(headEnd + 4, headEnd + 4 + length);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(bodyText) });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}

function readUntilClosed(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** What a request meets when it arrives while the service shuts down (SIGTERM on deploy). */
describe('HTTP while the service shuts down', () => {
  let testApp: TestApp;
  // The test closes the app itself; a failure before it does must not leave the app running.
  let closing: Promise<void> | undefined;

  afterAll(async () => {
    await (closing ?? testApp.app.close());
    await Promise.all([testApp.chain.stop(), testApp.database.drop()]);
  });

  it('serves a request that arrives on an open connection while the server drains, and closes that connection', async () => {
    testApp = await startTestApp();
    const { port } = testApp.server.address() as AddressInfo;
    const socket = connect({ host: '127.0.0.1', port });
    const received = readUntilClosed(socket);
    await new Promise((resolve) => socket.once('connect', resolve));

    // The first request is in flight (its body not yet complete) when shutdown begins, which
    // keeps its connection open; the second arrives on that connection once the server is closing.
    const first = mintRequestBytes(`drain-first-${process.pid}`);
    const second = mintRequestBytes(`drain-second-${process.pid}`);
    const firstArrived = new Promise((resolve) => testApp.server.once('request', resolve));
    socket.write(first.subarray(0, first.length - 1));
    await firstArrived;
    closing = testApp.app.close();
    await eventually(() => expect(testApp.server.listening).toBe(false), { intervalMs: 5 });
    socket.write(Buffer.concat([first.subarray(first.length - 1), second]));

    const responses = parseResponses(await received);
    await closing;

    expect(responses.map((response) => response.status)).toEqual([202, 202]);
    expect(responses[1].headers.connection).toBe('close');
    const stored = await withClient(testApp.database.url, (client) =>
      client.query<{ key: string }>(`SELECT idempotency_key AS key FROM transactions ORDER BY idempotency_key`),
    );
    expect(stored.rows.map((row) => row.key)).toEqual([`drain-first-${process.pid}`, `drain-second-${process.pid}`]);
  });
});
