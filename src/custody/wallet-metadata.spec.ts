import { METADATA_MAX_BYTES, METADATA_MAX_DEPTH, metadataProblem } from './wallet-metadata';

/** An object `depth` levels deep, itself the first. */
const nested = (depth: number): object => (depth === 1 ? { leaf: true } : { nested: nested(depth - 1) });

describe('wallet metadata limits', () => {
  it.each([
    ['an empty object', {}],
    ['control characters jsonb keeps', { '\u0001': 'tab\t\u001f\u007f' }],
    ['a surrogate pair', { emoji: '😀' }],
    [`${METADATA_MAX_DEPTH} levels`, nested(METADATA_MAX_DEPTH)],
    ['exactly the byte limit', { a: 'x'.repeat(METADATA_MAX_BYTES - '{"a":""}'.length) }],
    ['JSON values of every kind', { s: 's', n: -1.5, b: false, z: null, a: [1, 'two', { three: 3 }] }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ])('accepts %s', (_label, value) => {
    expect(metadataProblem(value)).toBeNull();
  });

  it.each([
    ['NUL in a string', { a: 'x\u0000' }, 'U+0000'],
    ['NUL in a key', { '\u0000': 1 }, 'U+0000'],
    ['a lone high surrogate', { a: ['\ud83d'] }, 'surrogates'],
    ['a lone low surrogate', { a: '\ude00x' }, 'surrogates'],
    ['surrogates in the wrong order', { a: '\ude00\ud83d' }, 'surrogates'],
    [`${METADATA_MAX_DEPTH + 1} levels`, nested(METADATA_MAX_DEPTH + 1), 'levels deep'],
    ['one byte over the limit', { a: 'x'.repeat(METADATA_MAX_BYTES - '{"a":""}'.length + 1) }, 'bytes'],
    ['a non-finite number', { a: Infinity }, 'finite'],
    ['a Date', { a: new Date(0) }, 'JSON values'],
    ['a function', { a: () => 1 }, 'JSON values'],
    ['undefined', { a: undefined }, 'JSON values'],
    ['an array', [], 'JSON object'],
    ['null', null, 'JSON object'],
    ['a string', 'text', 'JSON object'],
  ])('refuses %s', (_label, value, problem) => {
    expect(metadataProblem(value)).toContain(problem);
  });
});
