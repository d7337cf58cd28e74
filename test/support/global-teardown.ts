import { rmSync } from 'node:fs';

import { findKeysInLogs } from './log-capture';

/**
 * Runs once after all test files: searches every log line the run's applications wrote for
 * every private key the custody tests created. One hit fails the run (naming the log file,
 * never the key).
 */
export default function globalTeardown(): void {
  const dir = process.env.HAVEN_TEST_RUN_DIR;
  if (dir === undefined) return;
  try {
    const { keys, files, leaks } = findKeysInLogs(dir);
    if (leaks.length > 0) throw new Error(`a plaintext private key created by a test appears in: ${leaks.join(', ')}`);
    process.stdout.write(`\nlog search: ${keys} created private key(s), ${files} application log file(s), no key found in any log line\n`);
  } finally {
    if (process.env.HAVEN_TEST_KEEP_RUN_DIR === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
