import 'reflect-metadata';

import cluster from 'node:cluster';

import { startWorkers } from './bootstrap/cluster';
import { type PreparedEnvironment, prepareEnvironment } from './bootstrap/prepare-environment';
import { serve } from './bootstrap/serve';
import { redactSecrets } from './common/redaction';
import { ConfigError, loadConfig } from './config';

/**
 * Entry point. The primary validates configuration, starts whatever development needs
 * (embedded PostgreSQL, a local chain) and migrates; then it serves, itself or through
 * `WORKERS` cluster workers. SIGTERM/SIGINT stop everything that was started, in reverse.
 */
async function main(): Promise<void> {
  if (cluster.isWorker) {
    const server = await serve(loadConfig(process.env));
    onShutdownSignal(() => server.shutdown());
    return;
  }
  const prepared = await prepareEnvironment(process.env);
  const server = await startServing(prepared).catch(async (error: unknown) => {
    await prepared.embedded?.stop();
    throw error;
  });
  onShutdownSignal(async () => {
    await server.shutdown();
    await prepared.embedded?.stop();
  });
}

async function startServing(prepared: PreparedEnvironment): Promise<{ shutdown(): Promise<void> }> {
  if (prepared.config.workers > 1) return startWorkers(prepared.config.workers, prepared.env);
  return serve(prepared.config);
}

function onShutdownSignal(shutdown: () => Promise<void>): void {
  let called = false;
  const handle = (signal: NodeJS.Signals) => {
    if (called) return;
    called = true;
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown after ${signal} failed: ${redactSecrets(String(error))}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

main().catch((error: unknown) => {
  // Configuration errors are for the operator: one clear message, no stack trace.
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `Startup failed: ${redactSecrets(String(error))}\n`);
  process.exit(1);
});
