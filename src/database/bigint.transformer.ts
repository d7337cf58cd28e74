import type { ValueTransformer } from 'typeorm';

/**
 * Maps `numeric`/`bigint` columns to JS `bigint`. node-postgres hands both types back as
 * strings (a JS number would silently lose wei), and writes them from strings, so the only
 * safe round trip is string <-> bigint. A `number` is refused rather than converted: one
 * slipping through would mean a float already touched the value upstream.
 */
export const bigintTransformer: ValueTransformer = {
  to(value: bigint | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    if (typeof value !== 'bigint') throw new TypeError(`expected a bigint, got ${typeof value}`);
    return value.toString();
  },
  from(value: string | null): bigint | null {
    return value === null ? null : BigInt(value);
  },
};
