/**
 * Limits on a wallet's `metadata`, the free-form JSON object stored with it in a `jsonb`
 * column. Checked before anything is written (or any key made): what PostgreSQL's jsonb
 * refuses would otherwise fail the INSERT after the keypair was sealed, as a 500.
 */
export const METADATA_MAX_BYTES = 4096;
/** The metadata object itself is level 1; each nested object or array one more. */
export const METADATA_MAX_DEPTH = 8;
export const METADATA_RULE =
  `a JSON object of at most ${METADATA_MAX_BYTES} bytes and ${METADATA_MAX_DEPTH} levels of nesting, ` +
  'with no U+0000 and no unpaired UTF-16 surrogate in any key or string';

/**
 * jsonb stores text in the database encoding and so refuses the escape `\u0000` and any
 * unpaired surrogate (`\ud800` alone is not a character); every other control character it
 * keeps. With the `u` flag a surrogate pair is one code point, so only unpaired ones match.
 */
const UNPAIRED_SURROGATE = /\p{Cs}/u;
const unstorable = (text: string): boolean => text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);

/** What is wrong with `value` as wallet metadata, or null when it can be stored as sent. */
export function metadataProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'must be a JSON object';
  const problem = problemIn(value, 1);
  if (problem !== null) return problem;
  if (Buffer.byteLength(JSON.stringify(value)) > METADATA_MAX_BYTES) return `must be at most ${METADATA_MAX_BYTES} bytes of JSON`;
  return null;
}

function problemIn(value: unknown, depth: number): string | null {
  switch (typeof value) {
    case 'string':
      return unstorable(value) ? 'must not contain U+0000 or unpaired surrogates' : null;
    case 'number':
      // JSON.parse turns 1e400 into Infinity, which JSON.stringify would store as null.
      return Number.isFinite(value) ? null : 'must hold only finite numbers';
    case 'boolean':
      return null;
    case 'object':
      if (value === null) return null;
      break;
    default:
      return 'must hold only JSON values';
  }
  if (depth > METADATA_MAX_DEPTH) return `must be nested at most ${METADATA_MAX_DEPTH} levels deep`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = problemIn(item, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (!isPlainObject(value)) return 'must hold only JSON values';
  for (const [key, item] of Object.entries(value)) {
    if (unstorable(key)) return 'must not contain U+0000 or unpaired surrogates';
    const problem = problemIn(item, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}

/** An object as JSON.parse makes them; a Date or a class instance would not be stored as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
