import { gzipSync } from 'node:zlib';

import {
  HOSTILE_HEADER_VALUES,
  HOSTILE_JSON_VALUES,
  HOSTILE_URL_VALUES,
  INVALID_UTF8,
  jsonText,
  type JsonValue,
  LONG_10K,
  LONG_100K,
} from './hostile-values';
import { type Parameter, type Route, routeName, type Schema } from './openapi';
import { conforms, textConforms } from './schema-check';

/**
 * `reject`: invalid by the route's schema, so it must be refused (4xx). `any`: hostile but
 * possibly valid (a long reason within its limit); it must only never fail (5xx).
 */
export type Expectation = 'reject' | 'any';

export interface HostileCase {
  route: Route;
  label: string;
  expect: Expectation;
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with chunked transfer encoding (no Content-Length). */
  chunked?: boolean;
}

/**
 * Values a route needs that the document cannot give. A `reject` case is sent on top of a
 * `live` base (one the service would act on: a user with a funded wallet, a fresh wallet id),
 * so an invalid input that slipped through would be stored and seen; an `any` case on top of
 * a `safe` base, on which even a valid request changes nothing (a user with no wallet, a
 * wallet that exists already).
 */
export interface RouteFixture {
  safe?: Record<string, unknown>;
  live?: () => Record<string, unknown>;
  /**
   * The field naming what the route creates: any valid value of it creates something, whatever
   * the base. Its `any` cases get `spoiler` too, another field made invalid, so they are
   * parsed and validated but change nothing.
   */
  identity?: { field: string; spoiler: Record<string, unknown> };
}

export interface CaseOptions {
  fixtures: Record<string, RouteFixture>;
  /** A unique, valid value for a header the route requires (an Idempotency-Key). */
  freshHeader: (name: string) => string;
  /** The key header for the route's security scheme. */
  keyHeaders: (route: Route) => Record<string, string>;
}

const JSON_TYPE = 'application/json';
const OVERSIZE_17K = 17 * 1024;
const OVERSIZE_1M = 1024 * 1024;

/** Every hostile case for one route. */
export function hostileCases(route: Route, options: CaseOptions): HostileCase[] {
  const builder = new CaseBuilder(route, options);
  return [...builder.pathCases(), ...builder.queryCases(), ...builder.headerCases(), ...builder.bodyCases()];
}

/** The route asked plainly, on its safe base: what the key checks are made with. */
export const plainCase = (route: Route, options: CaseOptions): HostileCase => new CaseBuilder(route, options).plain();

class CaseBuilder {
  private readonly fixture: RouteFixture;

  constructor(
    private readonly route: Route,
    private readonly options: CaseOptions,
  ) {
    this.fixture = options.fixtures[routeName(route)] ?? {};
  }

  plain(): HostileCase {
    return this.make('plain request', 'any', {});
  }

  pathCases(): HostileCase[] {
    return this.params('path').flatMap((parameter) =>
      HOSTILE_URL_VALUES.map((value) => {
        const decoded = decodeOrUndefined(value.encoded);
        // `../` unencoded, or nothing at all, changes which route is asked: that one must answer sanely too.
        const changesRoute = value.encoded.includes('/') || value.encoded === '';
        const expect: Expectation = changesRoute
          ? 'any'
          : decoded === undefined || !textConforms(parameter.schema, decoded)
            ? 'reject'
            : 'any';
        return this.make(`path ${parameter.name}: ${value.label}`, expect, { path: { [parameter.name]: value.encoded } });
      }),
    );
  }

  queryCases(): HostileCase[] {
    const declared = this.params('query');
    const cases = declared.flatMap((parameter) => [
      ...HOSTILE_URL_VALUES.map((value) => {
        const decoded = decodeOrUndefined(value.encoded);
        const expect: Expectation = decoded === undefined || !textConforms(parameter.schema, decoded) ? 'reject' : 'any';
        return this.make(`query ${parameter.name}: ${value.label}`, expect, { query: `${parameter.name}=${value.encoded}` });
      }),
      this.make(`query ${parameter.name}: repeated (array)`, 'reject', { query: `${parameter.name}=1&${parameter.name}=2` }),
      this.make(`query ${parameter.name}: bracketed (object)`, 'reject', { query: `${parameter.name}[a]=1` }),
      this.make(`query ${parameter.name}: bracketed __proto__`, 'reject', { query: `${parameter.name}[__proto__][polluted]=yes` }),
    ]);
    // A route with a query DTO refuses unknown parameters; one without ignores them.
    const unknown: Expectation = declared.length > 0 ? 'reject' : 'any';
    const extra = [
      ['__proto__[polluted]=yes', 'query __proto__[polluted]'],
      ['__proto__=x', 'query __proto__'],
      ['constructor[prototype][polluted]=yes', 'query constructor[prototype][polluted]'],
      ['prototype=x', 'query prototype'],
      ['isAdmin=true', 'query unknown parameter'],
    ].map(([query, label]) => this.make(label, unknown, { query }));
    return [...cases, ...extra];
  }

  headerCases(): HostileCase[] {
    const declared = this.params('header').flatMap((parameter) => [
      ...HOSTILE_HEADER_VALUES.map((value) =>
        this.make(`header ${parameter.name}: ${value.label}`, textConforms(parameter.schema, value.value) ? 'any' : 'reject', {
          headers: { [parameter.name]: value.value },
        }),
      ),
      ...(parameter.required
        ? [this.make(`header ${parameter.name}: missing`, 'reject', { headers: { [parameter.name]: undefined } })]
        : []),
    ]);
    return [
      ...declared,
      this.make('header X-Request-Id: 10k chars', 'any', { headers: { 'X-Request-Id': LONG_10K } }),
      this.make('header X-Request-Id: 100k chars', 'any', { headers: { 'X-Request-Id': LONG_100K } }),
      this.make('header X-Request-Id: SQL shape', 'any', { headers: { 'X-Request-Id': "' OR '1'='1" } }),
    ];
  }

  bodyCases(): HostileCase[] {
    const body = this.route.body;
    if (body === undefined) return [];
    const schema = body.schema;
    const whole = (label: string, text: string | Buffer, extra: Partial<Overrides> = {}): HostileCase =>
      this.make(`body: ${label}`, 'reject', { body: Buffer.from(text), ...extra });
    const cases: HostileCase[] = [
      ...MALFORMED_JSON.map(([label, text]) => whole(`malformed JSON, ${label}`, text)),
      ...['[]', '[{}]', '"text"', '1', 'null', 'true', '{}'].map((text) => whole(`top level ${text}`, text)),
      whole('oversize 17 KiB', this.paddedBody(OVERSIZE_17K)),
      whole('oversize 1 MiB', this.paddedBody(OVERSIZE_1M)),
      whole('oversize 1 MiB, chunked', this.paddedBody(OVERSIZE_1M), { chunked: true }),
      whole('oversize 1 MiB of whitespace', ' '.repeat(OVERSIZE_1M) + '{}'),
      whole('as text/plain', this.baseText('live'), { contentType: 'text/plain' }),
      whole('as form', 'userId=a&amount=1', { contentType: 'application/x-www-form-urlencoded' }),
      whole('without Content-Type', this.baseText('live'), { contentType: null }),
      // Correctly labelled UTF-16 is valid JSON to the parser: sent on the safe base.
      this.make('body: charset utf-16', 'any', {
        body: Buffer.from(this.baseText('safe'), 'utf16le'),
        contentType: `${JSON_TYPE}; charset=utf-16`,
      }),
      whole('charset latin1', this.baseText('live'), { contentType: `${JSON_TYPE}; charset=latin1` }),
      whole('UTF-16 bytes labelled UTF-8', Buffer.from(this.baseText('live'), 'utf16le')),
      whole('gzip garbage', Buffer.from('not gzip at all'), { headers: { 'Content-Encoding': 'gzip' } }),
      whole('gzip bomb (1 MiB inflated)', gzipSync(Buffer.from(this.paddedBody(OVERSIZE_1M))), { headers: { 'Content-Encoding': 'gzip' } }),
      whole('unknown Content-Encoding', this.baseText('live'), { headers: { 'Content-Encoding': 'x-bogus' } }),
    ];
    for (const name of Object.keys(schema.properties ?? {})) {
      for (const value of HOSTILE_JSON_VALUES) cases.push(this.fieldCase(name, value));
      for (const [label, bytes] of INVALID_UTF8) cases.push(this.invalidUtf8Case(name, label, bytes));
    }
    for (const name of schema.required ?? []) {
      const live = this.baseBody('live');
      delete live[name];
      cases.push(this.make(`body: without required ${name}`, 'reject', { body: Buffer.from(JSON.stringify(live)) }));
    }
    for (const [label, raw] of TOP_LEVEL_EXTRAS) cases.push(this.fieldCase(label, { label: 'top level', raw }));
    cases.push(
      this.make('body: duplicate key with another type', 'reject', {
        body: Buffer.from(`${this.baseText('live').slice(0, -1)},"${Object.keys(schema.properties ?? {})[0]}":12345}`),
      }),
      this.make('body: BOM before JSON', 'any', {
        body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(this.baseText('safe'))]),
      }),
    );
    return cases;
  }

  /** The body with `name` set to the hostile value; refused if that makes it invalid. */
  private fieldCase(name: string, value: JsonValue): HostileCase {
    const schema = this.route.body!.schema;
    const text = (base: Record<string, unknown>) => withField(base, name, jsonText(value));
    const parsed: unknown = JSON.parse(text(this.baseBody('safe')));
    const expect: Expectation = forbiddenJson(parsed) !== undefined || !conforms(schema, parsed) ? 'reject' : 'any';
    const spoiled = expect === 'any' && this.fixture.identity?.field === name;
    const base = spoiled
      ? { ...this.baseBody('safe'), ...this.fixture.identity!.spoiler }
      : this.baseBody(expect === 'reject' ? 'live' : 'safe');
    return this.make(`body ${name}: ${value.label}${spoiled ? ' (with an invalid other field)' : ''}`, spoiled ? 'reject' : expect, {
      body: Buffer.from(text(base)),
    });
  }

  /** Bytes that are not UTF-8 inside the string of field `name`. */
  private invalidUtf8Case(name: string, label: string, bytes: number[]): HostileCase {
    const schema = this.route.body!.schema;
    const build = (base: Record<string, unknown>) => {
      const [before, after] = withField(base, name, '"x\u0001x"').split('\u0001');
      return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    };
    // What the server reads once it has decoded the bytes (each bad sequence a U+FFFD).
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8').decode(build(this.baseBody('safe'))));
    const expect: Expectation = forbiddenJson(parsed) !== undefined || !conforms(schema, parsed) ? 'reject' : 'any';
    const spoiled = expect === 'any' && this.fixture.identity?.field === name;
    const base = spoiled
      ? { ...this.baseBody('safe'), ...this.fixture.identity!.spoiler }
      : this.baseBody(expect === 'reject' ? 'live' : 'safe');
    return this.make(
      `body ${name}: invalid UTF-8 ${label}${spoiled ? ' (with an invalid other field)' : ''}`,
      spoiled ? 'reject' : expect,
      {
        body: build(base),
      },
    );
  }

  private paddedBody(size: number): string {
    const base = this.baseBody('live');
    const name = Object.keys(this.route.body!.schema.properties ?? {}).find(
      (key) => this.route.body!.schema.properties![key].type === 'string',
    );
    const text = JSON.stringify({ ...base, [name ?? 'padding']: '' });
    return withField(base, name ?? 'padding', JSON.stringify('a'.repeat(Math.max(0, size - text.length))));
  }

  private baseText(kind: 'safe' | 'live'): string {
    return JSON.stringify(this.baseBody(kind));
  }

  /** Every required property from the document's examples, then the route's fixture. */
  private baseBody(kind: 'safe' | 'live'): Record<string, unknown> {
    const schema = this.route.body?.schema ?? {};
    const fromDocument = Object.fromEntries((schema.required ?? []).map((name) => [name, exampleOf(schema.properties?.[name] ?? {})]));
    const fixture = kind === 'live' ? (this.fixture.live?.() ?? {}) : (this.fixture.safe ?? {});
    return { ...fromDocument, ...fixture };
  }

  private params(location: Parameter['in']): Parameter[] {
    return this.route.parameters.filter((parameter) => parameter.in === location);
  }

  private make(label: string, expect: Expectation, overrides: Partial<Overrides>): HostileCase {
    const base = expect === 'reject' ? 'live' : 'safe';
    let path = this.route.path;
    for (const parameter of this.params('path')) {
      const value = overrides.path?.[parameter.name] ?? encodeURIComponent(String(this.baseParam(parameter, base)));
      path = path.replace(`{${parameter.name}}`, value);
    }
    const headers: Record<string, string> = { ...this.options.keyHeaders(this.route) };
    for (const parameter of this.params('header')) {
      if (parameter.required) headers[parameter.name] = this.options.freshHeader(parameter.name);
    }
    for (const [name, value] of Object.entries(overrides.headers ?? {})) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      if (value !== undefined) headers[name] = value;
    }
    let body = overrides.body;
    if (body === undefined && this.route.body !== undefined) body = Buffer.from(this.baseText(base));
    if (body !== undefined) {
      const contentType = overrides.contentType === undefined ? JSON_TYPE : overrides.contentType;
      if (contentType !== null) headers['Content-Type'] = contentType;
    }
    return {
      route: this.route,
      label,
      expect,
      method: this.route.method,
      url: overrides.query === undefined ? path : `${path}?${overrides.query}`,
      headers,
      body,
      chunked: overrides.chunked,
    };
  }

  private baseParam(parameter: Parameter, kind: 'safe' | 'live'): unknown {
    const fixture = kind === 'live' ? this.fixture.live?.() : this.fixture.safe;
    return fixture?.[parameter.name] ?? parameter.schema.example ?? parameter.schema.enum?.[0] ?? 'hostile-base';
  }
}

interface Overrides {
  path: Record<string, string>;
  query: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** null: no Content-Type header at all. */
  contentType: string | null;
  chunked: boolean;
}

const MALFORMED_JSON: Array<[string, string]> = [
  ['unterminated object', '{"userId": "a",'],
  ['single quotes', "{'userId': 'a'}"],
  ['trailing comma', '{"userId": "a",}'],
  ['trailing garbage', '{"userId": "a"} x'],
  ['unquoted key', '{userId: "a"}'],
  ['bare word', 'undefined'],
  ['NaN literal', '{"amount": NaN}'],
  ['unterminated string', '{"userId": "a'],
  ['bad escape', '{"userId": "\\x41"}'],
  ['lone \\u escape', '{"userId": "\\u12"}'],
  ['raw NUL byte in a string', '{"userId": "a\u0000b"}'],
  ['comment', '{"userId": "a" /* hi */}'],
  ['empty body', ''],
  ['only whitespace', '   \n\t '],
];

/** Keys no body may carry at its top level, as `"key": value` text. */
const TOP_LEVEL_EXTRAS: Array<[string, string]> = [
  ['__proto__', '{"polluted":"yes"}'],
  ['constructor', '{"prototype":{"polluted":"yes"}}'],
  ['prototype', '{"polluted":"yes"}'],
  ['isAdmin', 'true'],
];

/** The JSON text of `base` with one more (or replaced) member, its value given as JSON text. */
function withField(base: Record<string, unknown>, name: string, valueText: string): string {
  const members = Object.entries(base)
    .filter(([key]) => key !== name)
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return `{${[...members, `${JSON.stringify(name)}:${valueText}`].join(',')}}`;
}

function exampleOf(schema: Schema): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.enum !== undefined) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case 'number':
    case 'integer':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'object':
      return {};
    case 'array':
      return [];
    default:
      return 'hostile';
  }
}

function decodeOrUndefined(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string): boolean => text.includes('\u0000') || LONE_SURROGATE.test(text);

/**
 * Keys that reach an object's prototype. class-transformer drops them silently while turning a
 * body into a DTO, so the validation pipe never sees them as unknown: only a refusal is safe.
 */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * What no JSON body is valid with, whatever its schema says: prototype keys at any depth,
 * and text PostgreSQL cannot store (NUL, lone surrogates). Returns where, or undefined.
 */
export function forbiddenJson(value: unknown, at = '$'): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? at : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const here = `${at}.${key}`;
    if (PROTOTYPE_KEYS.includes(key) || unstorable(key)) return here;
    const inner = forbiddenJson(item, here);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
