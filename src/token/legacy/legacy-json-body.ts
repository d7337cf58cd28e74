import { createParamDecorator, type ExecutionContext, type Type } from '@nestjs/common';
import type { ValidationError as ClassValidationError } from 'class-validator';
import { validateSync } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { parse as parseLosslessJson } from 'lossless-json';

import { charsetOf, decodeBody } from '../../common/json-body.parser';
import { findHostileStructure } from '../../common/json-input-guard';
import { InvalidJsonError, ValidationError } from '../../errors/app.errors';

/** What Nest's `rawBody: true` leaves on a request whose body the JSON parser read. */
type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * The request's JSON body read again from its bytes, with every number kept as a
 * `LosslessNumber` (its exact digits), then validated into `type` as the global
 * ValidationPipe would: unknown fields refused, each field's problems listed.
 *
 * The bytes are the ones the JSON parser accepted (it has already refused malformed,
 * oversize and wrongly encoded bodies, and `jsonInputGuard` deep or prototype-keyed ones), and
 * are decoded as it decoded them (`decodeBody`, with the request's charset). So the two parses see
 * the same text; only numbers differ, and only in keeping their digits.
 */
export function readLosslessBody<T extends object>(request: RequestWithRawBody, type: Type<T>): T {
  const parsed = losslessJson(request);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ValidationError([{ field: 'body', problems: ['the body must be a JSON object'] }]);
  const hostile = findHostileStructure(parsed, 'body');
  if (hostile !== undefined) throw new ValidationError([{ field: hostile.field, problems: [hostile.problem] }]);
  const dto = Object.assign(new type(), parsed);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new ValidationError(errors.map(problemsOf));
  return dto;
}

/** The body read by `readLosslessBody` into `type`: for routes whose numbers must keep every digit. */
export const LosslessJsonBody = createParamDecorator((type: Type<object>, context: ExecutionContext): object =>
  readLosslessBody(context.switchToHttp().getRequest<RequestWithRawBody>(), type),
);

function losslessJson(request: RequestWithRawBody): unknown {
  // No JSON content type: the parser did not run, and there is no JSON body.
  if (request.rawBody === undefined) return undefined;
  const text = decodeBody(request.rawBody, charsetOf(request.headers['content-type']));
  // As the JSON parser: an empty body is an empty object.
  if (text.length === 0) return {};
  try {
    return parseLosslessJson(text);
  } catch {
    // Only what JSON.parse let through and this parser does not: a key repeated with another value.
    throw new InvalidJsonError();
  }
}

function problemsOf(error: ClassValidationError): { field: string; problems: string[] } {
  return { field: error.property, problems: Object.values(error.constraints ?? {}) };
}
