import { gzipSync } from 'node:zlib';

import {
  Body,
  type CanActivate,
  Controller,
  Get,
  HttpException,
  HttpStatus,
  ImATeapotException,
  Module,
  NotAcceptableException,
  Param,
  Post,
  UnsupportedMediaTypeException,
  UseGuards,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsInt, IsString, Min } from 'class-validator';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';

import { startTestApp, type TestApp } from '../support/app';

class EchoDto {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  count!: number;
}

/** A guard that lets nothing through: Nest answers its refusal with a 403. */
class RefuseEverything implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** Routes that exist only in this test: one validates its body, the others fail on purpose. */
@Controller('test-only')
class ProbeController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** PostgreSQL ends this request's own connection mid-query, as a restart or failover does. */
  @Get('database-connection-lost')
  async databaseConnectionLost(): Promise<never> {
    await this.dataSource.query('SELECT pg_terminate_backend(pg_backend_pid())');
    throw new Error('the connection survived its own termination');
  }

  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('param/:value')
  param(@Param('value') value: string): { length: number } {
    return { length: value.length };
  }

  @Get('explode')
  explode(): never {
    throw new Error('database password=hunter2 rejected for 0x' + 'ab'.repeat(32));
  }

  @Get('guarded')
  @UseGuards(RefuseEverything)
  guarded(): string {
    return 'never';
  }

  @Get('method-not-allowed')
  methodNotAllowed(): never {
    throw new HttpException('Method Not Allowed', HttpStatus.METHOD_NOT_ALLOWED);
  }

  @Get('not-acceptable')
  notAcceptable(): never {
    throw new NotAcceptableException();
  }

  @Post('unsupported-media-type')
  unsupportedMediaType(): never {
    throw new UnsupportedMediaTypeException();
  }

  @Get('teapot')
  teapot(): never {
    throw new ImATeapotException();
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const ERROR_SHAPE_KEYS = ['details', 'error', 'error_id', 'message', 'request_id', 'timestamp', 'user_message'];

describe('error responses', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ extraModules: [ProbeModule] });
  });

  afterAll(() => testApp.close());

  async function errorLogRows(errorId: string): Promise<Array<Record<string, unknown>>> {
    const client = new Client({ connectionString: testApp.database.url });
    await client.connect();
    try {
      return (await client.query('SELECT * FROM error_logs WHERE error_id = $1', [errorId])).rows;
    } finally {
      await client.end();
    }
  }

  it('answers malformed JSON with INVALID_JSON in the common shape', async () => {
    const response = await request(testApp.server).post('/test-only/echo').set('Content-Type', 'application/json').send('{"name": "a",');

    expect(response.status).toBe(400);
    expect(Object.keys(response.body).sort()).toEqual(ERROR_SHAPE_KEYS);
    expect(response.body.error).toBe('INVALID_JSON');
  });

  it('echoes the caller request id on a body that cannot be parsed, or makes one', async () => {
    const given = await request(testApp.server)
      .post('/test-only/echo')
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'partner-req-bad-json')
      .send('{"name": "a",');
    const made = await request(testApp.server).post('/test-only/echo').set('Content-Type', 'application/json').send('{"name":');

    expect(given.status).toBe(400);
    expect(given.body.error).toBe('INVALID_JSON');
    expect(given.headers['x-request-id']).toBe('partner-req-bad-json');
    expect(given.body.request_id).toBe('partner-req-bad-json');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.body.request_id).toBe(made.headers['x-request-id']);
  });

  it.each([
    ['a guard refusal', 'get', '/test-only/guarded', 403, 'FORBIDDEN'],
    ['a 405', 'get', '/test-only/method-not-allowed', 405, 'METHOD_NOT_ALLOWED'],
    ['a 406', 'get', '/test-only/not-acceptable', 406, 'NOT_ACCEPTABLE'],
    ['a 415', 'post', '/test-only/unsupported-media-type', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['any other 4xx', 'get', '/test-only/teapot', 418, 'CLIENT_ERROR'],
  ] as const)('keeps the status of %s, with a stable code in the common shape', async (_label, method, path, status, code) => {
    const response = await request(testApp.server)[method](path).set('X-Request-Id', `client-error-${status}`);

    expect(response.status).toBe(status);
    expect(Object.keys(response.body).sort()).toEqual(ERROR_SHAPE_KEYS);
    expect(response.body).toMatchObject({ error: code, request_id: `client-error-${status}` });
    expect(await errorLogRows(response.body.error_id)).toHaveLength(0);
  });

  it('answers a body in a charset the parser cannot read with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await request(testApp.server)
      .post('/test-only/echo')
      .set('Content-Type', 'application/json; charset=latin1')
      .set('X-Request-Id', 'partner-req-latin1')
      .send('{"name": "a", "count": 1}');

    expect(response.status).toBe(415);
    expect(Object.keys(response.body).sort()).toEqual(ERROR_SHAPE_KEYS);
    expect(response.body).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE', request_id: 'partner-req-latin1' });
  });

  it('answers a compressed body with 415 UNSUPPORTED_MEDIA_TYPE: bodies are read as sent', async () => {
    const response = await request(testApp.server)
      .post('/test-only/echo')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(gzipSync('{"name": "a", "count": 1}'));

    expect(response.status).toBe(415);
    expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('passes path parameters up to 1,024 characters to the route, and answers the router’s refusals in the error shape', async () => {
    const long = await request(testApp.server).get(`/test-only/param/${'a'.repeat(1024)}`);
    const tooLong = await request(testApp.server)
      .get(`/test-only/param/${'a'.repeat(1025)}`)
      .set('X-Request-Id', 'partner-req-long');
    const undecodable = await request(testApp.server).get('/test-only/param/%E2%82').set('X-Request-Id', 'partner-req-bad-url');

    expect([long.status, long.body]).toEqual([200, { length: 1024 }]);
    expect([tooLong.status, tooLong.body.error, tooLong.body.request_id]).toEqual([414, 'CLIENT_ERROR', 'partner-req-long']);
    expect([undecodable.status, undecodable.body.error, undecodable.headers['x-request-id']]).toEqual([
      400,
      'VALIDATION_ERROR',
      'partner-req-bad-url',
    ]);
    expect(Object.keys(undecodable.body).sort()).toEqual(ERROR_SHAPE_KEYS);
  });

  it('answers unknown routes with ROUTE_NOT_FOUND', async () => {
    const response = await request(testApp.server).get('/api/v1/nowhere');

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'ROUTE_NOT_FOUND', details: { method: 'GET', path: '/api/v1/nowhere' } });
    expect(Object.keys(response.body).sort()).toEqual(ERROR_SHAPE_KEYS);
  });

  it('answers validation failures with VALIDATION_ERROR naming each field', async () => {
    const response = await request(testApp.server).post('/test-only/echo').send({ name: 7, count: 0, extra: true });

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('VALIDATION_ERROR');
    const fields = (response.body.details as Array<{ field: string }>).map((detail) => detail.field).sort();
    expect(fields).toEqual(['count', 'extra', 'name']);
  });

  it('refuses bodies over the size limit with PAYLOAD_TOO_LARGE', async () => {
    const response = await request(testApp.server)
      .post('/test-only/echo')
      .send({ name: 'x'.repeat(20_000), count: 1 });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 16 * 1024 } });
  });

  it('echoes the caller request id, or makes one, in the header and the body', async () => {
    const given = await request(testApp.server).get('/nowhere').set('X-Request-Id', 'partner-req-42');
    const made = await request(testApp.server).get('/nowhere');

    expect(given.headers['x-request-id']).toBe('partner-req-42');
    expect(given.body.request_id).toBe('partner-req-42');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.body.request_id).toBe(made.headers['x-request-id']);
  });

  it('stores a server error in error_logs under the error_id the client got, without secrets', async () => {
    const response = await request(testApp.server).get('/test-only/explode').set('X-Request-Id', 'boom-1');

    expect(response.status).toBe(500);
    expect(response.body.error).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
    const rows = await errorLogRows(response.body.error_id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ error_type: 'INTERNAL_ERROR', status_code: 500, request_id: 'boom-1', method: 'GET' });
    expect(String(rows[0].message)).not.toContain('ab'.repeat(32));
  });

  it('answers 503 with Retry-After, not 500, when the database drops the connection mid-request', async () => {
    const response = await request(testApp.server).get('/test-only/database-connection-lost');

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toMatchObject({ error: 'SERVICE_UNAVAILABLE', details: { retry_after_seconds: 2 } });
    // The pool replaces the dead connection: the same request path works again at once.
    expect((await request(testApp.server).get('/health/ready')).status).toBe(200);
  });

  it('does not store client errors', async () => {
    const response = await request(testApp.server).get('/nowhere');

    expect(await errorLogRows(response.body.error_id)).toHaveLength(0);
  });
});
