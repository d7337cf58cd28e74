/**
 * `npm run custody:reencrypt`: moves every wallet key under the first WALLET_ENCRYPTION_KEY
 * (or under KMS_KEY_ID when KMS_ENABLED), so older Fernet keys can then be removed from the
 * list, or the previous KMS key disabled: rows name the KMS key that sealed them, so they keep
 * opening after KMS_KEY_ID changes until this has run. Runs with the service's own
 * configuration; safe to stop and run again; every row moved is audited.
 * Exit code 0 when every row is under the current key, 1 otherwise.
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
import { CustodyReencryption } from '../custody-reencryption.service';

async function main(): Promise<void> {
  const config = loadConfig(process.env);

  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, CircuitBreakerModule, CustodyModule] })
  class ReencryptModule {}

  const context = await NestFactory.createApplicationContext(ReencryptModule, { logger: ['error', 'warn'] });
  try {
    const summary = await context.get(CustodyReencryption).run();
    process.stdout.write(
      `re-encrypted ${summary.resealed} wallet key(s) under key version ${summary.targetVersion}; ` +
        `${summary.failed.length} could not be opened${summary.failed.length > 0 ? `: ${summary.failed.join(', ')}` : ''}\n`,
    );
    process.exitCode = summary.failed.length === 0 ? 0 : 1;
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  // The message only: a configuration error names variables, never their values.
  process.stderr.write(`custody:reencrypt failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}\n`);
  process.exit(1);
});
