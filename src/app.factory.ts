import type { IncomingMessage, Server } from 'node:http';

import { DynamicModule, INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';

import { AppModule } from './app.module';
import { ADMIN_KEY_SCHEME, CLIENT_KEY_SCHEME, LEGACY_ADMIN_KEY_SCHEME } from './auth/api-key.decorators';
import { servesApi } from './bootstrap/process-role';
import { jsonInputGuard } from './common/json-input-guard';
import type { AppConfig } from './config/app-config';
import { answerHttpParserErrors } from './errors/all-exceptions.filter';
import { ValidationError } from './errors/app.errors';
import { requestIdMiddleware } from './logging/request-id';
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
 */
export async function createApp(config: AppConfig, extraModules: DynamicModule['imports'] = []): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    { module: class HavenApp {}, imports: [AppModule.forRoot(config), ...(extraModules ?? [])] },
    // rawBody: the JSON parser also keeps the bytes it parsed (`request.rawBody`), so the Python
    // backend's routes can read `amount`, a JSON number, with all its digits (src/token/legacy/).
    { bufferLogs: true, bodyParser: false, rawBody: true },
  );
  app.useLogger(app.get(Logger));
  // First of all: every request Express sees is counted, those refused before routing too.
  app.use(app.get(HttpMetrics).middleware);
  // Before the body parser: an unparsable body is answered too, and must carry the request id.
  app.use(requestIdMiddleware);
  // Every answer, errors included, carries helmet's headers; HSTS only once HTTPS is enforced,
  // since a browser must not be told to insist on TLS a deployment does not serve.
  app.use(helmet({ hsts: config.http.enforceHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false }));
  // The bulk route's parser comes first; a body it parsed is skipped by the next one.
  app.useBodyParser('json', { limit: MINT_BATCH_BODY_LIMIT_BYTES, type: isMintBatchJson });
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  // Parsed input that nests too deep or names a prototype key is refused before any DTO is made of it.
  app.use(jsonInputGuard);
  // Requests Node refuses before Express sees them (headers above 16 KiB) are answered in the error shape too.
  answerHttpParserErrors(app.getHttpServer() as Server);
  // Without TRUST_PROXY no X-Forwarded-* header is believed: request.ip is the TCP peer.
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
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

/** A JSON body sent to the bulk mint route (the content types the default JSON parser reads). */
function isMintBatchJson(request: IncomingMessage): boolean {
  const path = (request.url ?? '').split('?')[0].replace(/\/+$/, '');
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return path === MINT_BATCH_PATH && mediaType === 'application/json';
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
