import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

import { WalletAuditLog } from '../wallet-audit-log.entity';
import { IMPORTED_FROM } from './python-rows';

// One custody:import at a time across every host; first half of a two-int advisory key.
const IMPORT_RUN_LOCK = [0x4856_4950, 1] as const; // "HVIP"

export class ImportAlreadyRunningError extends Error {
  constructor() {
    super('another custody:import is running against this database');
    this.name = 'ImportAlreadyRunningError';
  }
}

/**
 * What earlier `custody:import` runs left in this service's database, so that a run can be
 * repeated: which Python audit entries are already in the trail. Also the lock that keeps
 * two runs from copying the same entry at once.
 */
@Injectable()
export class ImportLedger {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Holds the run lock on a connection of its own until the returned function is called. */
  async lockRun(): Promise<() => Promise<void>> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [...IMPORT_RUN_LOCK])) as Array<{
        locked: boolean;
      }>;
      if (!locked) throw new ImportAlreadyRunningError();
    } catch (error) {
      await runner.release();
      throw error;
    }
    return async () => {
      try {
        await runner.query(`SELECT pg_advisory_unlock($1, $2)`, [...IMPORT_RUN_LOCK]);
      } finally {
        await runner.release();
      }
    };
  }

  /** Ids of the Python audit rows already copied into `wallet_audit_logs`. */
  async copiedPythonAuditIds(): Promise<Set<string>> {
    const rows = await this.dataSource
      .getRepository(WalletAuditLog)
      .createQueryBuilder('log')
      .select(`log.details->>'python_audit_id'`, 'id')
      .where(`log.details->>'imported_from' = :from`, { from: IMPORTED_FROM })
      .getRawMany<{ id: string }>();
    return new Set(rows.map((row) => row.id));
  }
}
