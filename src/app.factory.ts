import { DynamicModule, INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';

import { AppModule } from './app.module';
import { ADMIN_KEY_SCHEME, CLIENT_KEY_SCHEME } from './auth/api-key.decorators';
import type { AppConfig } from './config/app-config';
import { ValidationError } from './errors/app.errors';
import { requestIdMiddleware } from './logging/request-id';

/** Request bodies are small JSON documents; anything larger is refused before parsing. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Builds the HTTP application exactly as production runs it. `main.ts` and the e2e tests
 * both come through here, so what is tested is what is served.
 */
export async function createApp(config: AppConfig, extraModules: DynamicModule['imports'] = []): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    { module: class HavenApp {}, imports: [AppModule.forRoot(config), ...(extraModules ?? [])] },
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  // Before the body parser: an unparsable body is answered too, and must carry the request id.
  app.use(requestIdMiddleware);
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.disable('x-powered-by');
  app.enableCors({ origin: config.allowedOrigins.length > 0 ? config.allowedOrigins : false });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new ValidationError(errors.map((error) => ({ field: error.property, problems: Object.values(error.constraints ?? {}) }))),
    }),
  );
  setUpApiDocs(app);
  return app;
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
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
