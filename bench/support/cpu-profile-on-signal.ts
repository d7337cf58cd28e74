/**
 * Preloaded into a service process by bench:intake --profile (NODE_OPTIONS refuses
 * --cpu-prof): the first SIGUSR2 starts the V8 CPU profiler, the next one stops it and writes
 * `<CPU_PROFILE_DIR>/<pid>-<n>.cpuprofile` (Chrome DevTools or speedscope open it). Profiling
 * only the measured load keeps start-up (TypeScript compiled on the fly) out of the profile.
 * Inspector calls on the main thread complete synchronously, so no await is needed.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/** NODE_OPTIONS for a `node -r @swc-node/register` process (registering twice is a cached no-op). */
export const profileOnSignalOptions = (): string => `--require @swc-node/register --require ${__filename}`;

const SAMPLING_INTERVAL_US = 250;

function installProfiler(dir: string): void {
  const session = new Session();
  session.connect();
  let running = false;
  let written = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      session.post('Profiler.start');
      running = true;
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(join(dir, `${process.pid}-${++written}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

if (process.env.CPU_PROFILE_DIR && require.main !== module) installProfiler(process.env.CPU_PROFILE_DIR);
