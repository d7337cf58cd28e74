import type { Server } from 'node:http';
import type { Writable } from 'node:stream';

import type { DynamicModule, INestApplication } from '@nestjs/common';

import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config';
import { startTestChain, type TestChain, type TestChainOptions } from './chain';
import { testConfig } from './config';
import { createTestDatabase, type TestDatabase } from './database';
import { logCaptureModule } from './log-capture';

export interface TestApp {
  app: INestApplication;
  server: Server;
  config: AppConfig;
  chain: TestChain;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real application (same factory as production) on an isolated, migrated database and
 * its own anvil chain, listening on a free loopback port.
 */
export async function startTestApp(
  options: {
    extraModules?: DynamicModule['imports'];
    config?: (config: AppConfig) => AppConfig;
    chain?: TestChainOptions;
    /** Also receives every log line (the run's log files get them in any case). */
    logStream?: Writable;
  } = {},
): Promise<TestApp> {
  const [database, chain] = await Promise.all([createTestDatabase(), startTestChain(options.chain)]);
  const base = testConfig({ databaseUrl: database.url, chain });
  const capture = logCaptureModule(options.logStream);
  const configured = options.config ? options.config(base) : base;
  // Captured lines are searched for secrets at the end of the run: capture everything.
  const config = capture.verbose ? { ...configured, logLevel: 'trace' as const } : configured;
  const app = await createApp(config, [...(options.extraModules ?? []), ...(capture.module ? [capture.module] : [])]);
  await app.listen(0, '127.0.0.1');
  return {
    app,
    server: app.getHttpServer() as Server,
    config,
    chain,
    database,
    close: async () => {
      await app.close();
      await Promise.all([chain.stop(), database.drop()]);
    },
  };
}

/**
 * `createApp` for a test that builds its own configuration, with the same log capture as
 * startTestApp; initialised (background loops running) and ready to serve, not listening.
 */
export async function createTestApplication(config: AppConfig): Promise<INestApplication> {
  const capture = logCaptureModule();
  const app = await createApp(capture.verbose ? { ...config, logLevel: 'trace' } : config, capture.module ? [capture.module] : []);
  await app.init();
  // Fastify serves a request only once its plugins have loaded, which `listen()` would await:
  // without it, a request made straight on the server (supertest) would never be answered.
  await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}
