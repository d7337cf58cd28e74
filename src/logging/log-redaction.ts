import { type LoggerOptions, stdSerializers } from 'pino';

import { redactSecrets, redactUrls } from '../common/redaction';

/** Deeper than any error a library builds; past it, nothing is written rather than something unredacted. */
const MAX_DEPTH = 8;

type LogArguments = Parameters<NonNullable<NonNullable<LoggerOptions['hooks']>['logMethod']>>[0];

/**
 * Every string of an error's serialised form, redacted: not only `message` and `stack`
 * (which pino's serializer extends with each `cause`), but the fields libraries add —
 * viem's `shortMessage`, `details`, `metaMessages` and `url` quote the RPC URL.
 */
function redactDeep(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) return redactDeep(stdSerializers.err(value), depth, seen);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1, seen));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, depth + 1, seen)]));
}

/** `err` as pino writes it, redacted. pino-http hands it over already serialised; pino, raw. */
export function redactedErrorSerializer(error: unknown): unknown {
  return redactDeep(error, 0, new WeakSet());
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Redacts the free text of a log call: its message and string arguments. pino writes a bare
 * error's own `message` as the line's message when none is given, so that case gets the
 * redacted one instead.
 */
function redactLogArguments(args: LogArguments): LogArguments {
  const [first, ...rest] = args as unknown[];
  if (typeof first === 'string') return [redactSecrets(first), ...rest.map(redactString)] as LogArguments;
  if (rest.length === 0) {
    const error = first instanceof Error ? first : isObject(first) && first.msg === undefined ? first.err : undefined;
    if (isObject(error) && typeof error.message === 'string') {
      return [first instanceof Error ? { err: first } : first, redactSecrets(error.message)] as LogArguments;
    }
  }
  return [first, ...rest.map(redactString)] as LogArguments;
}

const redactString = (value: unknown): unknown => (typeof value === 'string' ? redactSecrets(value) : value);

/**
 * What every log line goes through, whoever writes it (Nest's `Logger` ends up in pino
 * through nestjs-pino): errors and messages lose every secret shape; the finished line
 * then loses URL paths, queries and passwords wherever they hide (an error under another
 * key, an alert's details) while structured hashes stay.
 */
export const redactingLogOptions = {
  serializers: { err: redactedErrorSerializer },
  hooks: {
    logMethod(args, method) {
      method.apply(this, redactLogArguments(args));
    },
    streamWrite: redactUrls,
  },
} satisfies Pick<LoggerOptions, 'serializers' | 'hooks'>;
