import { isURL } from 'class-validator';
import type { Address } from 'viem';

import { USER_ID_PATTERN, USER_ID_RULE } from '../common/ids';
import { ValidationError } from '../errors/app.errors';
import { CALLBACK_URL_MESSAGE, CALLBACK_URL_OPTIONS, REASON } from './dto/token-request.dto';
import { checkedAddress, IDEMPOTENCY_KEY } from './request-identity';
import { MissingIdempotencyKeyError } from './token.errors';
import { parseTokenAmount } from './token-amount';

/** One item of a batch once it passed every check that needs no database: a mint to store. */
export interface MintCandidate {
  userId: string;
  /** The `to` given, checksummed; absent: the user's custodial wallet. */
  given?: Address;
  amount: bigint;
  reason: string;
  /** Where its status callbacks go, as the client's callback URL policy resolved it (null: nowhere). */
  callbackUrl: string | null;
}

const FIELDS = new Set(['idempotencyKey', 'userId', 'to', 'amount', 'reason', 'callbackUrl']);

/** The item's idempotency key if it is a valid one: the key that item claims within its batch. */
export function keyOf(item: unknown): string | undefined {
  const key = isObject(item) ? item.idempotencyKey : undefined;
  return typeof key === 'string' && IDEMPOTENCY_KEY.test(key) ? key : undefined;
}

/**
 * Checks one item with the rules, messages and order of the single route (`MintRequestDto`
 * through the validation pipe, then the Idempotency-Key, amount, callback URL and address),
 * written out by hand: class-validator costs about 0.1 ms an item, a tenth of a second per
 * full batch. Throws the error the single route would answer.
 */
export function parseMintItem(item: unknown, resolveCallbackUrl: (requested: string | undefined) => string | null): MintCandidate {
  if (!isObject(item)) throw new ValidationError([{ field: 'item', problems: ['each item must be an object'] }]);
  const problems = fieldProblems(item);
  if (problems.length > 0) throw new ValidationError(problems);
  if (keyOf(item) === undefined) throw new MissingIdempotencyKeyError();
  const { userId, to, amount, reason, callbackUrl } = item as Record<string, string | undefined>;
  const wei = parseTokenAmount(amount!);
  // null passes the DTO's @IsOptional as on the single route, and fails here as it does there.
  const resolvedCallback = resolveCallbackUrl(callbackUrl);
  const given = to === undefined ? undefined : checkedAddress('mint', to);
  return { userId: userId!, given, amount: wei, reason: reason!, callbackUrl: resolvedCallback };
}

function fieldProblems(item: Record<string, unknown>): Array<{ field: string; problems: string[] }> {
  const problems: Array<{ field: string; problems: string[] }> = [];
  const add = (field: string, found: string[]) => found.length > 0 && problems.push({ field, problems: found });
  for (const field of Object.keys(item)) if (!FIELDS.has(field)) add(field, [`property ${field} should not exist`]);
  const { userId, to, amount, reason, callbackUrl } = item;
  add('userId', [
    ...(typeof userId === 'string' ? [] : ['userId must be a string']),
    ...(typeof userId === 'string' && USER_ID_PATTERN.test(userId) ? [] : [`userId must be ${USER_ID_RULE}`]),
  ]);
  add('amount', typeof amount === 'string' ? [] : ['amount must be a decimal string such as "12.5"']);
  add('reason', reasonProblems(reason));
  if (to !== undefined && to !== null) add('to', typeof to === 'string' ? [] : ['to must be a string']);
  if (callbackUrl !== undefined && callbackUrl !== null) add('callbackUrl', callbackUrlProblems(callbackUrl));
  return problems;
}

function reasonProblems(reason: unknown): string[] {
  const text = typeof reason === 'string' ? reason : undefined;
  const found: string[] = text === undefined ? ['reason must be a string'] : [];
  if (text === undefined || text.length < 1 || text.length > 256) found.push(lengthProblem(reason));
  if (text === undefined || !REASON.test(text)) found.push('reason must be printable text');
  return found;
}

/** class-validator's wording for `@Length(1, 256)`. */
function lengthProblem(value: unknown): string {
  if (!value || (typeof value === 'string' && value.length < 1)) return 'reason must be longer than or equal to 1 characters';
  if (typeof value === 'string' && value.length > 256) return 'reason must be shorter than or equal to 256 characters';
  return 'reason must be longer than or equal to 1 and shorter than or equal to 256 characters';
}

function callbackUrlProblems(url: unknown): string[] {
  const found: string[] = [];
  if (typeof url !== 'string' || url.length > 2048) found.push('callbackUrl must be shorter than or equal to 2048 characters');
  if (typeof url !== 'string' || !isURL(url, CALLBACK_URL_OPTIONS)) found.push(CALLBACK_URL_MESSAGE);
  return found;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
