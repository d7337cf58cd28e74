import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

import { ValidationError } from '../errors/app.errors';

/** Deeper than any body or query of the API; class-transformer overflows its stack a few thousand levels down. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Keys that reach an object's prototype. class-transformer drops them silently while it turns
 * input into a DTO, so the validation pipe would never report them as unknown properties.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface InputProblem {
  field: string;
  problem: string;
}

/**
 * The first place where parsed input (a JSON body or a query) nests deeper than `maxDepth`
 * or carries a prototype key, at any depth. Iterative: input of any depth is safe to inspect.
 */
export function findHostileStructure(input: unknown, root: string, maxDepth = MAX_INPUT_DEPTH): InputProblem | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return { field: path, problem: `${path} is nested deeper than ${maxDepth} levels` };
    for (const key of Object.keys(value)) {
      const child = `${path}.${key}`;
      if (PROTOTYPE_KEYS.has(key)) return { field: child, problem: `the key "${key}" is not accepted` };
      pending.push({ value: (value as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * A `preValidation` hook (see `createApp`), so it runs on parsed input: refuses (400
 * VALIDATION_ERROR) a body or query that nests too deep or carries a prototype key, before
 * any DTO is made from it.
 */
export function jsonInputGuard(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const found = findHostileStructure(request.body, 'body') ?? findHostileStructure(request.query, 'query');
  done(found === undefined ? undefined : new ValidationError([{ field: found.field, problems: [found.problem] }]));
}
