import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';

import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config';
import { type TestChain, type TestChainOptions, startTestChain } from './chain';
import { createTestDatabase, type TestDatabase } from './database';
import { testConfig } from './config';

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
  } = {},
): Promise<TestApp> {
  const [database, chain] = await Promise.all([createTestDatabase(), startTestChain(options.chain)]);
  const base = testConfig({ databaseUrl: database.url, chain });
  const config = options.config ? options.config(base) : base;
  const app = await createApp(config, options.extraModules);
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
