import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, DataSource, type EntityManager, type FindOptionsWhere, LessThan, MoreThan, MoreThanOrEqual } from 'typeorm';

import { type AuditSeverity, WalletAuditLog } from '../wallet-audit-log.entity';

/** A row to append: everything but the id the database gives it. */
export type NewAuditLog = Omit<WalletAuditLog, 'id'>;

// Serialises appends to the chain across every instance; first half of a two-int advisory key.
const AUDIT_CHAIN_LOCK = [0x4856_4155, 1] as const; // "HVAU"

/**
 * The one owner of `wallet_audit_logs`, the hash-chained audit trail. Rows are only ever
 * appended, one at a time in chain order; they are read in pages and walked in id order.
 */
@Injectable()
export class WalletAuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Appends the row `seal` makes from the last row's hash, inside `manager`'s transaction and
   * under a lock every instance honours until it ends, so the chain stays a line. Returns its id.
   */
  async append(manager: EntityManager, seal: (prevHash: string | null) => NewAuditLog): Promise<string> {
    await manager.query(`SELECT pg_advisory_xact_lock($1, $2)`, [...AUDIT_CHAIN_LOCK]);
    const logs = manager.getRepository(WalletAuditLog);
    const [last] = await logs.find({ select: { id: true, hash: true }, order: { id: 'DESC' }, take: 1 });
    const { identifiers } = await logs.insert(seal(last?.hash ?? null));
    return identifiers[0].id as string;
  }

  /** Up to `take` rows, newest first, filtered; `beforeId` continues from an earlier page. */
  newestFirst(query: {
    walletId?: string;
    severity?: AuditSeverity;
    from?: Date;
    to?: Date;
    beforeId?: string;
    take: number;
  }): Promise<WalletAuditLog[]> {
    const createdAt = [
      ...(query.from === undefined ? [] : [MoreThanOrEqual(query.from)]),
      ...(query.to === undefined ? [] : [LessThan(query.to)]),
    ];
    const where: FindOptionsWhere<WalletAuditLog> = {
      ...(query.walletId === undefined ? {} : { walletId: query.walletId }),
      ...(query.severity === undefined ? {} : { severity: query.severity }),
      ...(createdAt.length === 0 ? {} : { createdAt: And(...createdAt) }),
      ...(query.beforeId === undefined ? {} : { id: LessThan(query.beforeId) }),
    };
    return this.dataSource.getRepository(WalletAuditLog).find({ where, order: { id: 'DESC' }, take: query.take });
  }

  /** Up to `take` rows after `afterId`, in chain order. */
  after(afterId: string, take: number): Promise<WalletAuditLog[]> {
    return this.dataSource.getRepository(WalletAuditLog).find({ where: { id: MoreThan(afterId) }, order: { id: 'ASC' }, take });
  }
}
