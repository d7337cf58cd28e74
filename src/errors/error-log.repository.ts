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
}
