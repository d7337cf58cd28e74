import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { InvalidJsonError } from '../errors/app.errors';
import { charsetOf, parseJsonBody, readJson } from './json-body.parser';

const parse = (body: Buffer | string, headers: Record<string, string> = {}): { error: Error | null; parsed?: unknown } => {
  let outcome: { error: Error | null; parsed?: unknown } | undefined;
  parseJsonBody(
    { headers: { 'content-type': 'application/json', ...headers } } as unknown as FastifyRequest,
    Buffer.from(body),
    (error, parsed) => {
      outcome = { error, parsed };
    },
  );
  if (outcome === undefined) throw new Error('the parser did not complete');
  return outcome;
};

describe('parseJsonBody', () => {
  it('reads a JSON object, and an empty body as an empty object', () => {
    expect(parse('{"userId":"guest-1","amount":"1.5"}')).toEqual({ error: null, parsed: { userId: 'guest-1', amount: '1.5' } });
    expect(parse('')).toEqual({ error: null, parsed: {} });
    expect(parse(' \n[1,2]')).toEqual({ error: null, parsed: [1, 2] });
  });

  it('refuses text that is not JSON, or JSON that is not an object or an array at the top, with INVALID_JSON', () => {
    for (const body of ['{"userId":', 'not json', '"a string"', '42', 'null']) {
      expect(parse(body).error).toBeInstanceOf(InvalidJsonError);
    }
  });

  it('refuses a compressed body with 415, whatever the encoding, and reads an identity one', () => {
    for (const encoding of ['gzip', 'deflate', 'br', 'x-bogus']) {
      expect(parse('{"a":1}', { 'content-encoding': encoding }).error).toBeInstanceOf(UnsupportedMediaTypeException);
    }
    expect(parse('{"a":1}', { 'content-encoding': 'identity' })).toEqual({ error: null, parsed: { a: 1 } });
  });

  it('reads Unicode charsets and refuses the others with 415', () => {
    const utf16 = Buffer.from('{"name":"Zoë"}', 'utf16le');
    expect(parse(utf16, { 'content-type': 'application/json; charset=utf-16le' })).toEqual({ error: null, parsed: { name: 'Zoë' } });
    expect(parse('{"a":1}', { 'content-type': 'application/json; charset=latin1' }).error).toBeInstanceOf(UnsupportedMediaTypeException);
  });
});

describe('readJson and charsetOf', () => {
  it('drops a UTF-8 byte-order mark, as the parser it replaces did', () => {
    expect(readJson(Buffer.from('\uFEFF{"a":1}'), 'utf-8')).toEqual({ a: 1 });
  });

  it('reads the charset a content type names, UTF-8 when it names none', () => {
    expect(charsetOf(undefined)).toBe('utf-8');
    expect(charsetOf('application/json')).toBe('utf-8');
    expect(charsetOf('application/json; charset=UTF-16LE')).toBe('utf-16le');
  });
});
