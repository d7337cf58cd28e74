import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfigService } from '../config/app-config.service';
import { dataSourceOptions } from './data-source.options';
import { DatabasePoolMetrics } from './database-pool.metrics';

/**
 * The PostgreSQL connection pool, with the same options as the migration runner and the
 * CLI. It never migrates: the schema is brought up to date (or checked, in production)
 * before the application starts, in `prepareEnvironment`. It names no entity: each feature
 * module registers the entities of the tables it owns (`TypeOrmModule.forFeature`), and
 * `autoLoadEntities` gives the connection those of the modules the application imports.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const { url, poolSize, statementTimeoutMs, idleInTransactionTimeoutMs } = config.get('database');
        return { ...dataSourceOptions(url, poolSize, { statementTimeoutMs, idleInTransactionTimeoutMs }), autoLoadEntities: true };
      },
    }),
  ],
  providers: [DatabasePoolMetrics],
})
export class DatabaseModule {}
