import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  ImATeapotException,
  NotAcceptableException,
  NotFoundException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';

import { InvalidApiKeyError } from './app.errors';
import { ErrorCode } from './error-codes';
import { toAppError } from './error-mapper';

const request = { method: 'GET', url: '/nowhere?x=1' };

describe('toAppError', () => {
  it('keeps errors the service raised on purpose', () => {
    const error = new InvalidApiKeyError();

    expect(toAppError(error, request)).toBe(error);
  });

  it('maps body-parser failures to INVALID_JSON and PAYLOAD_TOO_LARGE', () => {
    expect(toAppError({ type: 'entity.parse.failed', status: 400 }, request).code).toBe(ErrorCode.INVALID_JSON);
    const tooLarge = toAppError({ type: 'entity.too.large', status: 413, limit: 16384 }, request);

    expect(tooLarge.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.details).toEqual({ limit_bytes: 16384 });
  });

  it('looks through the HttpException the Express adapter wraps body-parser errors in', () => {
    const wrapped = new BadRequestException('Unexpected end of JSON input', {
      cause: Object.assign(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed', status: 400 }),
    });

    expect(toAppError(wrapped, request).code).toBe(ErrorCode.INVALID_JSON);
  });

  it('maps an unknown route to ROUTE_NOT_FOUND without the query string', () => {
    const error = toAppError(new NotFoundException('Cannot GET /nowhere'), request);

    expect(error.code).toBe(ErrorCode.ROUTE_NOT_FOUND);
    expect(error.details).toEqual({ method: 'GET', path: '/nowhere' });
  });

  it('maps framework HTTP errors by status', () => {
    expect(toAppError(new BadRequestException('nope'), request).code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(toAppError(new HttpException('x', HttpStatus.UNAUTHORIZED), request).code).toBe(ErrorCode.INVALID_API_KEY);
    expect(toAppError(new HttpException('x', HttpStatus.TOO_MANY_REQUESTS), request).code).toBe(ErrorCode.RATE_LIMIT_EXCEEDED);
  });

  it('keeps the status of every other 4xx, with its own code or CLIENT_ERROR', () => {
    const cases: Array<[HttpException, number, ErrorCode]> = [
      [new ForbiddenException(), 403, ErrorCode.FORBIDDEN],
      [new HttpException('Method Not Allowed', HttpStatus.METHOD_NOT_ALLOWED), 405, ErrorCode.METHOD_NOT_ALLOWED],
      [new NotAcceptableException(), 406, ErrorCode.NOT_ACCEPTABLE],
      [new UnsupportedMediaTypeException(), 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE],
      [new ImATeapotException(), 418, ErrorCode.CLIENT_ERROR],
    ];

    for (const [exception, status, code] of cases) {
      const error = toAppError(exception, request);
      expect({ status: error.status, code: error.code }).toEqual({ status, code });
    }
  });

  it('hides anything unexpected behind INTERNAL_ERROR with a generic message', () => {
    const error = toAppError(new Error('password=hunter2 leaked'), request);

    expect(error.code).toBe(ErrorCode.INTERNAL_ERROR);
    expect(error.status).toBe(500);
    expect(error.message).not.toContain('hunter2');
  });
});
