/**
 * `npm run custody:import -- --from <DATABASE_URL of the Python backend>`: copies the Python
 * backend's custodial wallets (rotated history and revoked keys included) and its wallet
 * audit trail into this service's database. Runs with the service's own configuration, whose
 * WALLET_ENCRYPTION_KEY must include the Python backend's Fernet key: every key is opened
 * and checked against its address before its row is copied. The URL may instead be given
 * as IMPORT_FROM_DATABASE_URL, which keeps its password out of the process list.
 * Safe to stop and run again. Exit code 0 when no row was refused, 1 otherwise.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { CircuitBreakerModule } from '../../circuit-breaker/circuit-breaker.module';
import { redactSecrets } from '../../common/redaction';
import { loadConfig } from '../../config/app-config';
import { ConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { RedisModule } from '../../redis/redis.module';
import { CustodyModule } from '../custody.module';
import { CustodyImport, type ImportSummary } from '../import/custody-import.service';

const USAGE = 'usage: npm run custody:import -- --from <DATABASE_URL of the Python backend> (or set IMPORT_FROM_DATABASE_URL)';

function sourceUrl(args: readonly string[]): string {
  const at = args.indexOf('--from');
  const given = args.find((arg) => arg.startsWith('--from='))?.slice('--from='.length) ?? (at >= 0 ? args[at + 1] : undefined);
  const url = given ?? process.env.IMPORT_FROM_DATABASE_URL;
  if (url === undefined || url === '' || url.startsWith('--')) throw new Error(USAGE);
  return url;
}

/** What an operator reads: wallet ids and reasons, never a key or the source URL. */
function report(summary: ImportSummary): string {
  const lines = [
    `imported ${summary.imported.length} wallet row(s)` +
      (summary.imported.length > 0 ? `: ${summary.imported.map((row) => `${row.walletId} (${row.status})`).join(', ')}` : ''),
    `already present ${summary.present.length} wallet row(s)`,
    `refused ${summary.refused.length} wallet row(s)`,
    ...summary.refused.map((row) => `  ${row.walletId} (python id ${row.pythonId}): ${row.reason}`),
    summary.audit.found
      ? `copied ${summary.audit.copied} audit entr${summary.audit.copied === 1 ? 'y' : 'ies'} (${summary.audit.alreadyCopied} already copied)`
      : 'copied 0 audit entries (the Python backend has no wallet_audit_logs table)',
    ...(summary.audit.problem === null ? [] : [`audit trail not copied: ${summary.audit.problem}`]),
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const from = sourceUrl(process.argv.slice(2));
  const config = loadConfig(process.env);

  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, CircuitBreakerModule, CustodyModule] })
  class ImportModule {}

  const context = await NestFactory.createApplicationContext(ImportModule, { logger: ['error', 'warn'] });
  try {
    const summary = await context.get(CustodyImport).run(from);
    process.stdout.write(report(summary));
    process.exitCode = summary.refused.length === 0 && summary.audit.problem === null ? 0 : 1;
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  // The message only, redacted: a connection error may quote the source URL.
  process.stderr.write(`custody:import failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}\n`);
  process.exit(1);
});
