import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { type DynamicModule, Global, Module } from '@nestjs/common';

import { LOG_DESTINATION } from '../../src/logging/logging.module';

/**
 * Every log line of every application the e2e run starts is kept under the run's directory
 * (`HAVEN_TEST_RUN_DIR`, made by global-setup), unless TEST_LOG_LEVEL asks for them on the
 * console instead. Custody tests record the private keys they created next to them, and
 * global-teardown fails the run if any of those keys appears in any log line.
 */
const runDir = (): string | undefined => (process.env.TEST_LOG_LEVEL === undefined ? process.env.HAVEN_TEST_RUN_DIR : undefined);

/** Log lines kept in memory, for a test that searches its own application's output. */
export function captureLogs(): { stream: Writable; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

/** The module routing an application's logs to the run's log directory (and to `also`), if any. */
export function logCaptureModule(also?: Writable): { module?: DynamicModule; verbose: boolean } {
  const dir = runDir();
  if (dir === undefined && also === undefined) return { verbose: false };
  const file = dir === undefined ? undefined : join(dir, 'logs', `${process.pid}-${randomUUID()}.log`);
  if (file !== undefined) mkdirSync(join(dir!, 'logs'), { recursive: true });
  const fileStream = file === undefined ? undefined : createWriteStream(file, { flags: 'a' });
  const destination = new Writable({
    write(chunk: Buffer, encoding, done) {
      also?.write(chunk, encoding);
      if (fileStream === undefined) return done();
      fileStream.write(chunk, encoding, () => done());
    },
    final(done) {
      fileStream?.end(() => done());
      if (fileStream === undefined) done();
    },
  });
  @Global()
  @Module({})
  class LogCaptureModule {}
  return {
    module: { module: LogCaptureModule, providers: [{ provide: LOG_DESTINATION, useValue: destination }], exports: [LOG_DESTINATION] },
    verbose: true,
  };
}

/** Registers private keys a test created (hex, no 0x), for the end-of-run log search. */
export function recordCreatedKeys(keys: readonly string[]): void {
  const dir = process.env.HAVEN_TEST_RUN_DIR;
  if (dir === undefined || keys.length === 0) return;
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', `${process.pid}-${randomUUID()}.txt`), `${keys.join('\n')}\n`);
}

/** For global-teardown: the log files in which any recorded key appears, and how much was searched. */
export function findKeysInLogs(dir: string): { keys: number; files: number; leaks: string[] } {
  const list = (sub: string) => {
    try {
      return readdirSync(join(dir, sub)).map((name) => join(dir, sub, name));
    } catch {
      return [];
    }
  };
  const keys = list('keys').flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((key) => key.toLowerCase()),
  );
  const logs = list('logs');
  const leaks = logs.filter((file) => {
    const text = readFileSync(file, 'utf8').toLowerCase();
    return keys.some((key) => text.includes(key));
  });
  return { keys: keys.length, files: logs.length, leaks };
}
