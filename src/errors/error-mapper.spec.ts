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
import { QueryFailedError } from 'typeorm';

import { InvalidApiKeyError } from './app.errors';
import { ErrorCode } from './error-codes';
import { toAppError } from './error-mapper';

const request = { method: 'GET', url: '/nowhere?x=1' };

describe('toAppError', () => {
  it('keeps errors the service raised on purpose', () => {
    const error = new InvalidApiKeyError();

    expect(toAppError(error, request)).toBe(error);
  });

  it("maps Fastify's body-too-large refusal, wrapped as the adapter passes it on, to PAYLOAD_TOO_LARGE with the route's limit", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      name: 'FastifyError',
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    const error = toAppError(new HttpException(tooLarge.message, 413, { cause: tooLarge }), { ...request, bodyLimit: 16384 });

    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ limit_bytes: 16384 });
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

  describe('a dependency briefly unavailable (a database restart, a dropped connection)', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

    it.each([
      [
        'the server shutting down (57P01), as TypeORM reports it',
        new QueryFailedError('SELECT 1', [], pgError('57P01', 'terminating connection')),
      ],
      ['the server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
      ['a connection exception (08006)', pgError('08006', 'connection failure')],
      ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
      ['a connection ended mid-query', new Error('Connection terminated unexpectedly')],
      ['a pool with no connection to give', new Error('timeout exceeded when trying to connect')],
      ['a cause further down', new Error('store failed', { cause: pgError('ECONNRESET', 'read ECONNRESET') })],
    ])('answers 503 SERVICE_UNAVAILABLE with a retry hint for %s', (_, exception) => {
      const error = toAppError(exception, request);

      expect({ status: error.status, code: error.code, details: error.details }).toEqual({
        status: 503,
        code: ErrorCode.SERVICE_UNAVAILABLE,
        details: { retry_after_seconds: 2 },
      });
      expect(error.userMessage).not.toMatch(/ECONN|57P|terminat|127\.0\.0\.1/);
    });

    it('keeps a query the database refused for what it is (a unique violation is our bug, not an outage)', () => {
      const error = toAppError(new QueryFailedError('INSERT', [], pgError('23505', 'duplicate key value')), request);

      expect(error.code).toBe(ErrorCode.INTERNAL_ERROR);
    });
  });

  it('hides anything unexpected behind INTERNAL_ERROR with a generic message', () => {
    const error = toAppError(new Error('password=hunter2 leaked'), request);

    expect(error.code).toBe(ErrorCode.INTERNAL_ERROR);
    expect(error.status).toBe(500);
    expect(error.message).not.toContain('hunter2');
  });
});
