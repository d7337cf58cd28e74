import { Writable } from 'node:stream';

import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { HttpRequestError } from 'viem';

import { redactingLogOptions } from './log-redaction';

const SECRET = 'SECRET-PROVIDER-KEY-123';
const RPC_URL = `https://base-mainnet.g.alchemy.com/v2/${SECRET}`;
const HASH = `0x${'ab'.repeat(32)}`;

function capture(): { stream: Writable; lines(): Array<Record<string, unknown>>; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** What viem throws when the node answers 500: the URL in `url`, `metaMessages`, `message` and `stack`. */
function rpcFailure(): Error {
  const cause = new Error(`socket hang up calling ${RPC_URL}?apikey=${SECRET}`);
  return new HttpRequestError({ url: RPC_URL, status: 500, body: { method: 'eth_blockNumber' }, details: 'Internal Server Error', cause });
}

describe('log redaction', () => {
  it('redacts message, stack, causes and viem fields of a logged error', () => {
    const output = capture();
    const logger = pino({ ...redactingLogOptions }, output.stream);

    logger.error({ err: rpcFailure(), hash: HASH }, 'chain read failed');

    expect(output.text()).not.toContain(SECRET);
    const [line] = output.lines();
    const err = line.err as Record<string, unknown>;
    expect(err.type).toBe('HttpRequestError');
    expect(err.message).toContain('URL: https://base-mainnet.g.alchemy.com/[REDACTED]');
    expect(err.stack).toContain('socket hang up calling https://base-mainnet.g.alchemy.com/[REDACTED]');
    expect(err.url).toBe('https://base-mainnet.g.alchemy.com/[REDACTED]');
    expect(err.shortMessage).toBe('HTTP request failed.');
    expect(err.metaMessages).toContain('URL: https://base-mainnet.g.alchemy.com/[REDACTED]');
    // Structured fields keep their hashes; only error text loses them.
    expect(line.hash).toBe(HASH);
  });

  it('redacts the message pino takes from an error logged without one, and plain messages', () => {
    const output = capture();
    const logger = pino({ ...redactingLogOptions }, output.stream);

    logger.error(rpcFailure());
    logger.warn({ err: rpcFailure() });
    logger.info(`calling ${RPC_URL} with password=hunter2`);
    logger.info({ context: 'Chain' }, 'calling %s', RPC_URL);

    expect(output.text()).not.toContain(SECRET);
    expect(output.text()).not.toContain('hunter2');
    expect(output.lines().map((line) => line.msg)).toEqual([
      expect.stringContaining('URL: https://base-mainnet.g.alchemy.com/[REDACTED]'),
      expect.stringContaining('URL: https://base-mainnet.g.alchemy.com/[REDACTED]'),
      'calling https://base-mainnet.g.alchemy.com/[REDACTED] with password=[REDACTED]',
      'calling https://base-mainnet.g.alchemy.com/[REDACTED]',
    ]);
  });

  it('catches a URL wherever else it hides in a line, such as an error under another key', () => {
    const output = capture();
    const logger = pino({ ...redactingLogOptions }, output.stream);

    logger.warn({ error: rpcFailure(), details: { endpoint: RPC_URL } }, 'odd shapes');

    expect(output.text()).not.toContain(SECRET);
    expect(output.lines()[0].details).toEqual({ endpoint: 'https://base-mainnet.g.alchemy.com/[REDACTED]' });
  });

  it('applies through pino-http, as nestjs-pino builds it, and its child loggers', () => {
    const output = capture();
    const { logger } = pinoHttp({ ...redactingLogOptions }, output.stream);

    logger.child({ context: 'ChainReader' }).error({ err: rpcFailure() }, 'chain read failed');

    expect(output.text()).not.toContain(SECRET);
    expect((output.lines()[0].err as Record<string, unknown>).url).toBe('https://base-mainnet.g.alchemy.com/[REDACTED]');
  });

  it('survives circular and deep error fields', () => {
    const output = capture();
    const logger = pino({ ...redactingLogOptions }, output.stream);
    const error = Object.assign(new Error(`failed at ${RPC_URL}`), {
      self: undefined as unknown,
      nested: { a: { b: { c: { d: { e: { f: { g: { h: { i: RPC_URL } } } } } } } } },
    });
    error.self = error;

    logger.error({ err: error }, 'odd error');

    expect(output.text()).not.toContain(SECRET);
    expect(output.lines()).toHaveLength(1);
  });
});
