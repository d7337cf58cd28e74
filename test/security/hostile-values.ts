/**
 * The catalogue of hostile values, in the three forms a request carries them: JSON values
 * for bodies, percent-encoded text for paths and queries, and header text.
 */

/** A JSON value; `raw` is sent verbatim where JSON.stringify cannot say it (1e309). */
export interface JsonValue {
  label: string;
  value?: unknown;
  raw?: string;
}

/** Text for a URL: `encoded` goes into the path or query as it is. */
export interface UrlValue {
  label: string;
  encoded: string;
}

export interface HeaderValue {
  label: string;
  value: string;
}

export const LONG_10K = 'a'.repeat(10_000);
export const LONG_100K = 'a'.repeat(100_000);

/** Strings every text field, path and query parameter receives. */
export const HOSTILE_STRINGS: Array<[label: string, value: string]> = [
  ['empty string', ''],
  ['10k chars', LONG_10K],
  ['100k chars', LONG_100K],
  ['SQL: quote or', "' OR '1'='1"],
  ['SQL: stacked drop', '1; DROP TABLE transactions; --'],
  ['SQL: union select', "' UNION SELECT id, encrypted_private_key FROM wallet_custody --"],
  ['SQL: double quote comment', '" OR 1=1 --'],
  ['SQL: sleep', "1' AND pg_sleep(5) IS NULL --"],
  ['path traversal', '../../etc/passwd'],
  ['path traversal, encoded', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['path traversal, backslashes', '..\\..\\windows\\win.ini'],
  ['NUL only', '\u0000'],
  ['NUL inside', 'guest\u0000admin'],
  ['control characters', '\u0001\u0002\u001b[31m\u007f'],
  ['CR LF', 'line\r\nX-Injected: 1'],
  ['tab', '\t'],
  ['C1 control', '\u0085\u009b'],
  ['bidi override', 'abc\u202edef'],
  ['zero-width space', '\u200b'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', 'x\udfffy'],
  ['cut surrogate pair', 'emoji \ud83d'],
  ['emoji', '😀'],
  ['format string', '%s%s%s%n'],
  ['template injection', '${jndi:ldap://x}{{7*7}}'],
  ['markup', '<script>alert(1)</script>'],
  ['huge number text 1e309', '1e309'],
  ['2**64 as string', '18446744073709551616'],
  ['2**63 as string', '9223372036854775808'],
  ['2**63-1 as string', '9223372036854775807'],
  ['-2**63-1 as string', '-9223372036854775809'],
  ['negative', '-1'],
  ['padded number', ' 5'],
  ['hex number', '0x10'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
];

/** Values of every JSON type, for every body field: wrong types and huge numbers. */
const HOSTILE_NON_STRINGS: JsonValue[] = [
  { label: 'number', value: 12345 },
  { label: 'fraction', value: 1.5 },
  { label: 'zero', value: 0 },
  { label: 'negative number', value: -1 },
  { label: 'number 1e309 (Infinity)', raw: '1e309' },
  { label: 'number -1e309', raw: '-1e309' },
  { label: 'number 2**64', raw: '18446744073709551616' },
  { label: 'number 2**63', raw: '9223372036854775808' },
  { label: 'number -2**63', raw: '-9223372036854775808' },
  { label: 'number with 30 digits', raw: '123456789012345678901234567890' },
  { label: 'array', value: [] },
  { label: 'array of strings', value: ['a', 'b'] },
  { label: 'object', value: {} },
  { label: 'object with a key', value: { a: 1 } },
  { label: 'null', value: null },
  { label: 'true', value: true },
  { label: 'false', value: false },
  { label: 'nested __proto__', raw: '{"__proto__":{"polluted":"yes"}}' },
  { label: 'nested constructor.prototype', raw: '{"constructor":{"prototype":{"polluted":"yes"}}}' },
  { label: 'nested prototype key', raw: '{"prototype":{"polluted":"yes"}}' },
  { label: 'object with NUL value', value: { note: 'a\u0000b' } },
  { label: 'object with NUL key', value: { 'a\u0000b': 1 } },
  { label: 'object with lone surrogate', value: { note: '\ud800' } },
  { label: 'object nested 1000 deep', raw: '{"a":'.repeat(1000) + '1' + '}'.repeat(1000) },
  { label: 'array nested 3000 deep', raw: '['.repeat(3000) + ']'.repeat(3000) },
  { label: 'object with 1000 keys', value: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) },
];

export const HOSTILE_JSON_VALUES: JsonValue[] = [
  ...HOSTILE_STRINGS.map(([label, value]) => ({ label: `string: ${label}`, value })),
  ...HOSTILE_NON_STRINGS,
];

/** The JSON text of a value as sent. */
export const jsonText = (value: JsonValue): string => value.raw ?? JSON.stringify(value.value);

/**
 * Bytes that are not UTF-8, put inside a JSON string: the server decodes them (with
 * replacement characters) or refuses the body; it must not fail.
 */
export const INVALID_UTF8: Array<[label: string, bytes: number[]]> = [
  ['overlong "/" (C0 AF)', [0xc0, 0xaf]],
  ['UTF-8 encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['bytes FF FE', [0xff, 0xfe]],
  ['truncated sequence (E2 82)', [0xe2, 0x82]],
  ['overlong NUL (C0 80)', [0xc0, 0x80]],
  ['5-byte sequence (F8 88 80 80 80)', [0xf8, 0x88, 0x80, 0x80, 0x80]],
];

/** Path and query values: the hostile strings percent-encoded, then encodings that are hostile themselves. */
export const HOSTILE_URL_VALUES: UrlValue[] = [
  ...HOSTILE_STRINGS.flatMap(([label, value]) => {
    try {
      return [{ label, encoded: encodeURIComponent(value) }];
    } catch {
      return []; // lone surrogates: the raw byte forms below stand for them
    }
  }),
  { label: 'raw path traversal ../', encoded: '../../etc/passwd' },
  { label: 'raw %2e%2e%2f (not re-encoded)', encoded: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
  { label: 'raw ..%2f', encoded: '..%2f..%2fetc%2fpasswd' },
  { label: 'raw %00', encoded: '%00' },
  { label: 'raw %', encoded: '%' },
  { label: 'raw %zz', encoded: '%zz' },
  { label: 'raw %ED%A0%80 (surrogate)', encoded: '%ED%A0%80' },
  { label: 'raw %C0%AF (overlong /)', encoded: '%C0%AF' },
  { label: 'raw %FF', encoded: '%FF' },
  { label: 'raw %E2%82 (truncated)', encoded: '%E2%82' },
];

/** Header values (Node sends bytes 0x00-0x08, 0x0A-0x1F and 0x7F nowhere). */
export const HOSTILE_HEADER_VALUES: HeaderValue[] = [
  { label: 'empty', value: '' },
  { label: '10k chars', value: LONG_10K },
  { label: '100k chars', value: LONG_100K },
  { label: 'SQL shape', value: "' OR '1'='1" },
  { label: 'path traversal', value: '../../etc/passwd' },
  { label: 'tab', value: 'a\tb' },
  { label: 'latin-1 byte (not UTF-8)', value: 'key\u00ff\u00e9' },
  { label: 'huge number', value: '18446744073709551616' },
];
