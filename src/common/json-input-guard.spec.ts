import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

import { ValidationError } from '../errors/app.errors';
import { findHostileStructure, jsonInputGuard, MAX_INPUT_DEPTH } from './json-input-guard';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('findHostileStructure', () => {
  it('accepts ordinary input', () => {
    expect(findHostileStructure({ userId: 'guest-1', metadata: { tier: 'gold', tags: ['a', 'b'] } }, 'body')).toBeUndefined();
    expect(findHostileStructure(undefined, 'body')).toBeUndefined();
    expect(findHostileStructure('text', 'body')).toBeUndefined();
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s at the top and nested, as JSON.parse makes it', (key) => {
    expect(findHostileStructure(JSON.parse(`{"${key}":{"polluted":1}}`), 'body')).toEqual({
      field: `body.${key}`,
      problem: `the key "${key}" is not accepted`,
    });
    expect(findHostileStructure(JSON.parse(`{"metadata":{"list":[{"${key}":1}]}}`), 'body')?.field).toBe(`body.metadata.list.0.${key}`);
  });

  it('refuses input nested deeper than the limit, at any depth, without recursion', () => {
    expect(findHostileStructure(nested(MAX_INPUT_DEPTH), 'body')).toBeUndefined();
    expect(findHostileStructure(nested(MAX_INPUT_DEPTH + 1), 'body')).toEqual({
      field: `body${'.0'.repeat(MAX_INPUT_DEPTH)}`,
      problem: `body${'.0'.repeat(MAX_INPUT_DEPTH)} is nested deeper than ${MAX_INPUT_DEPTH} levels`,
    });
    expect(findHostileStructure(nested(100_000), 'body')).toBeDefined();
  });
});

describe('jsonInputGuard', () => {
  const run = (request: Partial<FastifyRequest>): unknown => {
    let passed: unknown = 'not called';
    jsonInputGuard(request as FastifyRequest, {} as FastifyReply, ((error?: unknown) => (passed = error)) as HookHandlerDoneFunction);
    return passed;
  };

  it('lets clean input through', () => {
    expect(run({ body: { a: 1 }, query: { limit: '5' } })).toBeUndefined();
  });

  it('refuses a prototype key in the query as a validation error naming it', () => {
    const error = run({ body: undefined, query: JSON.parse('{"__proto__":"x"}') as FastifyRequest['query'] });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'query.__proto__', problems: ['the key "__proto__" is not accepted'] }]);
  });
});
