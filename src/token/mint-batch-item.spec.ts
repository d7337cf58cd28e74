import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { AppError } from '../errors/app.error';
import { MintRequestDto } from './dto/token-request.dto';
import { parseMintItem } from './mint-batch-item';

type Problems = Array<{ field: string; problems: string[] }>;

/** What the validation pipe answers for the single route's body (null: it passes). */
function singleRouteProblems(body: Record<string, unknown>): Problems | null {
  const errors = validateSync(plainToInstance(MintRequestDto, body), { whitelist: true, forbidNonWhitelisted: true });
  return errors.length === 0 ? null : errors.map((error) => ({ field: error.property, problems: Object.values(error.constraints ?? {}) }));
}

function batchItemProblems(body: Record<string, unknown>): Problems | null {
  try {
    parseMintItem({ ...body, idempotencyKey: 'k-1' }, () => null);
    return null;
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'VALIDATION_ERROR') return null;
    return error.details as Problems;
  }
}

const sorted = (problems: Problems | null) =>
  problems?.map(({ field, problems: found }) => ({ field, problems: [...found].sort() })).sort((a, b) => a.field.localeCompare(b.field)) ??
  null;

const VALID = { userId: 'guest-1', to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', amount: '12.5', reason: 'hotel stay' };

describe('parseMintItem', () => {
  it.each<[string, Record<string, unknown>]>([
    ['a valid body', VALID],
    ['a callback URL', { ...VALID, callbackUrl: 'https://hooks.example/haven?x=1' }],
    ['an unknown field', { ...VALID, extra: 1 }],
    ['no userId', { ...VALID, userId: undefined }],
    ['a numeric userId', { ...VALID, userId: 42 }],
    ['a userId with a space', { ...VALID, userId: 'a b' }],
    ['a numeric amount', { ...VALID, amount: 12.5 }],
    ['no reason', { ...VALID, reason: undefined }],
    ['an empty reason', { ...VALID, reason: '' }],
    ['a reason of 257 characters', { ...VALID, reason: 'x'.repeat(257) }],
    ['a reason with a control character', { ...VALID, reason: 'a\u0001b' }],
    ['a numeric reason', { ...VALID, reason: 7 }],
    ['a numeric to', { ...VALID, to: 7 }],
    ['a null to', { ...VALID, to: null }],
    ['a callback URL with credentials', { ...VALID, callbackUrl: 'https://user:pw@hooks.example/' }],
    ['an ftp callback URL', { ...VALID, callbackUrl: 'ftp://hooks.example/' }],
    ['a callback URL of 2,049 characters', { ...VALID, callbackUrl: `https://hooks.example/${'a'.repeat(2027)}` }],
    ['a numeric callback URL', { ...VALID, callbackUrl: 5 }],
  ])('finds the problems the single route’s validation finds in %s', (_name, body) => {
    expect(sorted(batchItemProblems(body))).toEqual(sorted(singleRouteProblems(body)));
  });

  it('answers the single route’s codes after validation: key, amount, address', () => {
    const codeOf = (item: unknown) => {
      try {
        parseMintItem(item, () => null);
        return 'ok';
      } catch (error) {
        return (error as AppError).code;
      }
    };
    expect(codeOf({ ...VALID, idempotencyKey: 'k-1' })).toBe('ok');
    expect(codeOf({ ...VALID })).toBe('MISSING_IDEMPOTENCY_KEY');
    expect(codeOf({ ...VALID, idempotencyKey: 'k 1' })).toBe('MISSING_IDEMPOTENCY_KEY');
    expect(codeOf({ ...VALID, idempotencyKey: 'k-1', amount: '0' })).toBe('INVALID_AMOUNT');
    expect(codeOf({ ...VALID, idempotencyKey: 'k-1', to: '0x0000000000000000000000000000000000000000' })).toBe('INVALID_ADDRESS');
    expect(codeOf({ ...VALID, idempotencyKey: 'k-1', to: null })).toBe('INVALID_ADDRESS');
    expect(codeOf('text')).toBe('VALIDATION_ERROR');
  });
});
