import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import { ErrorLog } from './error-log.entity';

/** A server error to store; the id and time are the database's. */
export type NewErrorLog = Omit<ErrorLog, 'id' | 'createdAt'>;

/** The one owner of `error_logs`. */
@Injectable()
export class ErrorLogRepository {
  constructor(@InjectRepository(ErrorLog) private readonly errorLogs: Repository<ErrorLog>) {}

  async insert(entry: NewErrorLog): Promise<void> {
    await this.errorLogs.insert(entry);
  }

  /**
   * Up to `take` errors, newest first, filtered, with ids below `beforeId` (a keyset cursor:
   * the id of the last row of the previous page, a bigint in decimal).
   */
  newestFirst(query: { errorType?: string; userId?: string; beforeId?: string; take: number }): Promise<ErrorLog[]> {
    const builder = this.errorLogs.createQueryBuilder('e').orderBy('e.id', 'DESC').limit(query.take);
    if (query.errorType !== undefined) builder.andWhere('e.error_type = :errorType', { errorType: query.errorType });
    if (query.userId !== undefined) builder.andWhere('e.user_id = :userId', { userId: query.userId });
    if (query.beforeId !== undefined) builder.andWhere('e.id < :beforeId', { beforeId: query.beforeId });
    return builder.getMany();
  }
}
