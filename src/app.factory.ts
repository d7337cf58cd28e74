import { DynamicModule, INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';

import { AppModule } from './app.module';
import { ADMIN_KEY_SCHEME, CLIENT_KEY_SCHEME, LEGACY_ADMIN_KEY_SCHEME } from './auth/api-key.decorators';
import { servesApi } from './bootstrap/process-role';
import { parseJsonBody } from './common/json-body.parser';
import { jsonInputGuard } from './common/json-input-guard';
import type { AppConfig } from './config/app-config';
import { answerHttpParserError, answerRouterError } from './errors/all-exceptions.filter';
import { ValidationError } from './errors/app.errors';
import { echoRequestId, requestIdOf } from './logging/request-id';
import { HttpMetrics } from './metrics/http-metrics';

/** Request bodies are small JSON documents; anything larger is refused before parsing. */
export const BODY_LIMIT_BYTES = 16 * 1024;
/** The one route with a larger body: a bulk mint of up to 1,000 items. */
export const MINT_BATCH_PATH = '/api/v1/token/mint/batch';
/**
 * Admits 1,000 items with every field at its longest (a 255-character key, a 128-character
 * user id, a 256-character reason written as JSON escapes, a 2,048-character callback URL:
 * about 4.3 KB an item). A typical item is 150-250 bytes: a typical full batch is 150-250 KB.
 */
export const MINT_BATCH_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * Builds the HTTP application exactly as production runs it. `main.ts` and the e2e tests
 * both come through here, so what is tested is what is served.
 *
 * On Fastify: its router, hooks and reply cost about half of what Express's did per request
 * (docs/benchmarks.md), and intake's latency under load is what partner apps feel.
 */
export async function createApp(config: AppConfig, extraModules: DynamicModule['imports'] = []): Promise<INestApplication> {
  let securityHeaders: SecurityHeadersHook | undefined;
  const adapter = new FastifyAdapter({
    // Without TRUST_PROXY no X-Forwarded-* header is believed: request.ip is the TCP peer.
    trustProxy: trustedProxies(config.http.trustProxy),
    // Every body past this is refused before it is read, but the bulk route's (see below).
    bodyLimit: BODY_LIMIT_BYTES,
    // Every request is named before anything can answer it, an unparsable body's too.
    genReqId: requestIdOf,
    // Requests Node refuses before Fastify sees them (headers above 16 KiB), and those its router
    // refuses before any hook runs (undecodable paths), are answered in the error shape too.
    clientErrorHandler: answerHttpParserError,
    // The router's refusals skip the request hooks, where the security headers are written.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      securityHeaders?.(request, reply.raw);
      answerRouterError(error, request, reply);
    },
    // Paths match as the rate limiter reads them: a trailing slash ignored, case-insensitively
    // (route parameters keep their case). Parameters up to 1,024 characters reach validation,
    // which names the field (ids are at most 128); longer ones are refused by the router (414).
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 1024 },
    // A request that arrives on an open connection while the server closes is served, with
    // `Connection: close`, rather than refused with Fastify's own 503 (another body shape, no
    // Retry-After): the database and Redis stay up until the HTTP server has drained.
    return503OnClosing: false,
  });
  // Nest hands `app.useSecurityHeaders()`'s hook to the adapter; kept for the router's refusals.
  const registerSecurityHook = adapter.registerSecurityHook.bind(adapter);
  adapter.registerSecurityHook = (hook) => {
    securityHeaders = hook;
    registerSecurityHook(hook);
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    { module: class HavenApp {}, imports: [AppModule.forRoot(config), ...(extraModules ?? [])] },
    adapter,
    // rawBody: the JSON parser also keeps the bytes it parsed (`request.rawBody`), so the Python
    // backend's routes can read `amount`, a JSON number, with all its digits (src/token/legacy/).
    { bufferLogs: true, bodyParser: false, rawBody: true },
  );
  app.useLogger(app.get(Logger));
  // First of all, before any middleware can answer: every request is timed and counted, and
  // carries its id back (`X-Request-Id`), refusals and errors included.
  const metrics = app.get(HttpMetrics);
  adapter.setOnRequestHook((request, reply, done) => {
    metrics.start(request, reply);
    echoRequestId(request.id, reply.raw);
    done();
  });
  // Every answer, errors included, carries the security headers (helmet's set); HSTS only once
  // HTTPS is enforced, since a browser must not be told to insist on TLS a deployment does not serve.
  app.useSecurityHeaders({
    strictTransportSecurity: config.http.enforceHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  app.useBodyParser('application/json', {}, parseJsonBody);
  const fastify = adapter.getInstance();
  // The one route with a larger body; set on the route, so the limit applies before a byte is read.
  fastify.addHook('onRoute', (route) => {
    if (route.url === MINT_BATCH_PATH) route.bodyLimit = MINT_BATCH_BODY_LIMIT_BYTES;
  });
  // Parsed input that nests too deep or names a prototype key is refused before any DTO is made of it.
  fastify.addHook('preValidation', jsonInputGuard);
  app.enableCors({ origin: corsOrigin(config.allowedOrigins) });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new ValidationError(errors.map((error) => ({ field: error.property, problems: Object.values(error.constraints ?? {}) }))),
    }),
  );
  // A worker serves no API to document.
  if (config.http.apiDocsEnabled && servesApi(config.processRole)) setUpApiDocs(app);
  return app;
}

type SecurityHeadersHook = Parameters<FastifyAdapter['registerSecurityHook']>[0];

/**
 * `TRUST_PROXY` for Fastify. A hop count trusts that many proxies in front of us, as Express
 * read it; Fastify would trust none for a bare number, so it gets the count as a function.
 */
function trustedProxies(trustProxy: AppConfig['http']['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address, hop) => hop < trustProxy;
}

/** Exactly the configured origins; `*` (refused in production) any; none: no cross-origin calls. */
function corsOrigin(origins: readonly string[]): boolean | string[] {
  if (origins.includes('*')) return true;
  return origins.length > 0 ? [...origins] : false;
}

function setUpApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('HAVEN Token backend')
      .setDescription('Mints and redeems HAVEN for partner apps; admin, health and monitoring endpoints.')
      .setVersion('1')
      .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, CLIENT_KEY_SCHEME)
      .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, ADMIN_KEY_SCHEME)
      .addApiKey(
        { type: 'apiKey', name: 'X-Admin-Key', in: 'header', description: "The Python backend's admin header; same keys as X-API-Key" },
        LEGACY_ADMIN_KEY_SCHEME,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
