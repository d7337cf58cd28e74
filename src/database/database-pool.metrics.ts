import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import { AppConfigService } from '../config/app-config.service';
import { MetricsRegistry } from '../metrics/metrics.registry';

/**
 * The PostgreSQL pool as a scrape finds it, read from the pg `Pool` behind TypeORM's data
 * source: connections in use, idle, and queries waiting for one. Waiting callers mean the
 * pool (DATABASE_POOL_SIZE, at most `haven_db_pool_max_connections`) is exhausted.
 */
@Injectable()
export class DatabasePoolMetrics {
  constructor(@InjectDataSource() dataSource: DataSource, config: AppConfigService, metrics: MetricsRegistry) {
    new Gauge({
      name: 'haven_db_pool_connections',
      help: 'PostgreSQL pool of this instance at scrape time, by state: in_use, idle, waiting (callers queued for a connection)',
      labelNames: ['state'],
      registers: [metrics],
      collect() {
        // pg's Pool; absent only before the data source connects.
        const pool = (dataSource.driver as PostgresDriver).master as Pool | undefined;
        if (pool === undefined) return;
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    new Gauge({
      name: 'haven_db_pool_max_connections',
      help: 'Connections the PostgreSQL pool of this instance may open (DATABASE_POOL_SIZE)',
      registers: [metrics],
    }).set(config.get('database').poolSize);
  }
}
