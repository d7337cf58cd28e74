import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

import { delay } from '../common/delay';
import { withTimeout } from '../common/with-timeout';

export interface AnvilOptions {
  port: number;
  host?: string;
  /** Seconds between mined blocks; 0 mines only on demand or per transaction. Default 2 (Base's cadence). */
  blockTime?: number;
  /** Mine each transaction as it arrives. Default: on exactly when `blockTime` is 0. */
  automine?: boolean;
  /** Loaded at start if present, written on exit (anvil's `--state`). */
  statePath?: string;
  chainId?: number;
  /** Gas per block (anvil's `--gas-limit`); anvil's own default (30M) when absent. */
  gasLimit?: bigint;
  readyTimeoutMs?: number;
}

export class AnvilStartError extends Error {
  constructor(reason: string, output: string) {
    super(`anvil did not start: ${reason}${output ? `\n--- anvil output ---\n${output}` : ''}`);
    this.name = 'AnvilStartError';
  }
}

const DEFAULT_CHAIN_ID = 31_337;
const READY_POLL_MS = 100;
// Dumping a large `--state` on exit takes a moment; past this, the process is presumed hung.
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_LINES = 30;
/** Node's `process.arch` as the binary packages spell it (`@foundry-rs/anvil-linux-amd64`). */
const PACKAGE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** Killed synchronously if this process exits first, so no anvil outlives its parent's exit. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A local anvil chain run from the binary that `@foundry-rs/anvil` installs. Limitation: only
 * a parent that exits through Node's `exit` event takes its anvil down; one killed by a signal
 * it does not handle (SIGKILL, or SIGTERM without a handler) leaves anvil holding the port.
 * The service's shutdown hooks call `stop()`, which also lets anvil write its `--state`.
 */
export class AnvilProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    readonly rpcUrl: string,
    readonly chainId: number,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: AnvilOptions): Promise<AnvilProcess> {
    const host = options.host ?? '127.0.0.1';
    const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
    const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
    const child = spawn(anvilBinaryPath(), anvilArguments({ ...options, host, chainId }), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    installExitHook();
    running.add(child);
    const output = watchOutput(child);
    let exitReason: string | undefined;
    const exited = new Promise<void>((resolve) => {
      const onEnd = (reason: string) => {
        exitReason ??= reason;
        running.delete(child);
        resolve();
      };
      child.once('error', (error) => onEnd(error.message));
      child.once('exit', (code, signal) => onEnd(`exited (${signal ?? `code ${code}`})`));
    });

    const anvil = new AnvilProcess(child, exited, `http://${host}:${options.port}`, chainId);
    const deadline = Date.now() + readyTimeoutMs;
    // Ready means *this* child said it listens and the port answers with our chain id: a probe
    // alone could be answered by another process already holding the port.
    while (!(output.listening() && (await answersChainId(anvil.rpcUrl)) === chainId)) {
      if (exitReason !== undefined) throw new AnvilStartError(exitReason, output.tail());
      if (Date.now() > deadline) {
        await anvil.stop();
        throw new AnvilStartError(`not ready on ${anvil.rpcUrl} within ${readyTimeoutMs} ms`, output.tail());
      }
      await delay(READY_POLL_MS);
    }
    return anvil;
  }

  /** SIGTERM lets anvil write `--state`; SIGKILL only if it has not exited within the grace period. */
  async stop(): Promise<void> {
    if (!running.has(this.child)) return this.exited;
    this.child.kill('SIGTERM');
    const timedOut = await withTimeout(
      this.exited.then(() => false),
      STOP_GRACE_MS,
      true,
    );
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function anvilArguments(options: AnvilOptions & { host: string; chainId: number }): string[] {
  const blockTime = options.blockTime ?? 2;
  const automine = options.automine ?? blockTime === 0;
  const args = ['--host', options.host, '--port', String(options.port), '--chain-id', String(options.chainId)];
  if (blockTime > 0) args.push('--block-time', String(blockTime));
  // Interval and per-transaction mining together is anvil's "mixed" mode; neither is "no mining".
  if (blockTime > 0 && automine) args.push('--mixed-mining');
  if (blockTime === 0 && !automine) args.push('--no-mining');
  if (options.statePath !== undefined) args.push('--state', options.statePath);
  if (options.gasLimit !== undefined) args.push('--gas-limit', options.gasLimit.toString());
  return args;
}

/**
 * `@foundry-rs/anvil` is a launcher that picks a per-platform package holding the binary; the
 * binary is run directly, so signals reach anvil itself rather than an intermediate node.
 */
export function anvilBinaryPath(): string {
  const arch = PACKAGE_ARCH[process.arch] ?? process.arch;
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    return require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${binary}`);
  } catch {
    // The launcher's own fallback location, used when the platform package was not installed.
    return join(dirname(require.resolve('@foundry-rs/anvil/package.json')), '..', 'dist', binary);
  }
}

/** A port free at the time of asking (anvil cannot bind port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('No port assigned')) : resolve(port)));
    });
  });
}

/** Drains the pipes (anvil blocks once they fill) and keeps only the tail, for error messages. */
function watchOutput(child: ChildProcess): { listening(): boolean; tail(): string } {
  const lines: string[] = [];
  let listening = false;
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_TAIL_LINES));
    listening ||= lines.some((line) => line.startsWith('Listening on '));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { listening: () => listening, tail: () => lines.join('\n') };
}

async function answersChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { result?: string };
    return body.result === undefined ? undefined : Number(body.result);
  } catch {
    return undefined;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
