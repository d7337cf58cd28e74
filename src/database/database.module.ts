import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfigService } from '../config/app-config.service';
import { dataSourceOptions } from './data-source.options';

/**
 * The PostgreSQL connection pool, with the same options as the migration runner and the
 * CLI. It never migrates: the schema is brought up to date (or checked, in production)
 * before the application starts, in `prepareEnvironment`.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const { url, poolSize, statementTimeoutMs, idleInTransactionTimeoutMs } = config.get('database');
        return dataSourceOptions(url, poolSize, { statementTimeoutMs, idleInTransactionTimeoutMs });
      },
    }),
  ],
})
export class DatabaseModule {}
