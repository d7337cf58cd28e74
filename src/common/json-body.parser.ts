import { UnsupportedMediaTypeException } from '@nestjs/common';
import { parse as parseContentType } from 'content-type';
import type { FastifyRequest } from 'fastify';
import { decode, encodingExists } from 'iconv-lite';

import { InvalidJsonError } from '../errors/app.errors';

/** The charset a JSON body is read in when its content type names none (RFC 8259). */
const DEFAULT_CHARSET = 'utf-8';

/** A JSON text whose first significant character (after JSON's whitespace) opens an object or an array. */
const OBJECT_OR_ARRAY = /^[ \t\n\r]*[{[]/;

/**
 * Reads an `application/json` body as the API promises (README, "Errors"): an empty body is
 * an empty object; a compressed body (any `Content-Encoding` but `identity`), or one in a
 * charset other than a Unicode one, is refused with 415 `UNSUPPORTED_MEDIA_TYPE`; text that is
 * not JSON, or JSON with anything but an object or an array at the top, with `INVALID_JSON`.
 * Depth and prototype keys are judged after parsing, with the query (`jsonInputGuard`).
 */
export function parseJsonBody(request: FastifyRequest, body: Buffer, done: (error: Error | null, parsed?: unknown) => void): void {
  let parsed: unknown;
  try {
    assertIdentityEncoding(request.headers['content-encoding']);
    parsed = readJson(body, charsetOf(request.headers['content-type']));
  } catch (error) {
    done(error as Error);
    return;
  }
  done(null, parsed);
}

/**
 * Bodies are read as sent: small JSON documents gain little from compression, and inflating
 * one is where a small request becomes a large one.
 */
function assertIdentityEncoding(contentEncoding: string | undefined): void {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity')
    throw new UnsupportedMediaTypeException(`unsupported content encoding "${encoding.slice(0, 64)}"`);
}

/** The body's text in `charset`, parsed. */
export function readJson(body: Buffer, charset: string): unknown {
  const text = decodeBody(body, charset);
  if (text.length === 0) return {};
  if (!OBJECT_OR_ARRAY.test(text)) throw new InvalidJsonError();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidJsonError();
  }
}

/** Decodes as iconv-lite does for every charset (a byte-order mark dropped), UTF-8 without a copy through it. */
export function decodeBody(body: Buffer, charset: string): string {
  if (!charset.startsWith('utf-') || !encodingExists(charset))
    throw new UnsupportedMediaTypeException(`unsupported charset "${charset.toUpperCase()}"`);
  if (charset !== DEFAULT_CHARSET) return decode(body, charset);
  const text = body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The charset a content type names, lower-cased, or UTF-8. */
export function charsetOf(contentType: string | undefined): string {
  if (contentType === undefined) return DEFAULT_CHARSET;
  try {
    return parseContentType(contentType).parameters.charset?.toLowerCase() ?? DEFAULT_CHARSET;
  } catch {
    throw new UnsupportedMediaTypeException('unreadable content type');
  }
}
