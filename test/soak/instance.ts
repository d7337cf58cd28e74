import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../../src/embedded/anvil.process';
import { eventually } from '../support/eventually';
import { REPO_ROOT, type ServiceProcess, startServiceProcess } from '../support/processes';
import { instanceEnvironment, type ServiceInstance, type SharedServices } from '../support/service-instances';

// A cold start compiles the sources (swc) while the other instances carry the load on a
// shared 2-core machine: far slower than the test helper's 60 s allows for on a busy box.
const READY_TIMEOUT_MS = 180_000;

/**
 * A real service process, as test/support/service-instances.ts starts one, but patient
 * while the machine is loaded and never left running when it does not become ready.
 */
export async function startSoakInstance(
  shared: SharedServices,
  extra: Record<string, string>,
  build: CompiledBuild | undefined,
): Promise<ServiceInstance> {
  const port = await freePort();
  const env = instanceEnvironment(shared, port, extra);
  const process = build === undefined ? startServiceProcess(env) : startCompiled(build, env);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGTERM');
    await process.exited;
  };
  try {
    await eventually(
      async () => {
        if (process.child.exitCode !== null) throw new Error(`instance exited early:\n${process.output().slice(-3000)}`);
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
        if (response.status !== 200) throw new Error(`not ready: ${response.status}`);
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 },
    );
  } catch (error) {
    process.child.kill('SIGKILL');
    await process.exited;
    throw new Error(`instance on ${port} not ready: ${String(error)}\n${process.output().slice(-3000)}`, { cause: error });
  }
  return { url, process, stop };
}

/** The service compiled as `npm run build` does, into a temp dir of the campaign's own. */
export interface CompiledBuild {
  dir: string;
  remove(): void;
}

export function compileService(): CompiledBuild {
  const dir = mkdtempSync(join(tmpdir(), 'haven-soak-dist-'));
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dir], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `node dist/src/main.js`, as the image runs it, capturing what it prints. */
function startCompiled(build: CompiledBuild, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [join(build.dir, 'src', 'main.js')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
