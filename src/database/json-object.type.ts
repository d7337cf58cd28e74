/**
 * The TypeScript type of a `jsonb` object column. Deliberately `object`, not
 * `Record<string, unknown>`: TypeORM 1.x types `insert()`/`update()` values with
 * `QueryDeepPartialEntity`, which rejects `unknown` members, so a caller's
 * `Record<string, unknown>` could not be written without a cast.
 */
export type JsonObject = object;
