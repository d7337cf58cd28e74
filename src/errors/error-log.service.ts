import { Injectable, Logger } from '@nestjs/common';

import { redactSecrets } from '../common/redaction';
import { ErrorLogRepository } from './error-log.repository';

export interface ServerErrorRecord {
  errorId: string;
  errorType: string;
  statusCode: number;
  error: unknown;
  method?: string;
  path?: string;
  requestId?: string;
  userId?: string;
  details?: Record<string, unknown>;
}

/**
 * Keeps server errors in `error_logs` so operators can look one up by the `error_id` a
 * client quotes. Text is redacted before it is stored; a failure to store is logged, never
 * thrown, so it cannot replace the error the client should see.
 */
@Injectable()
export class ErrorLogService {
  private readonly logger = new Logger(ErrorLogService.name);

  constructor(private readonly errorLogs: ErrorLogRepository) {}

  async record(entry: ServerErrorRecord): Promise<void> {
    const error = entry.error instanceof Error ? entry.error : new Error(String(entry.error));
    try {
      await this.errorLogs.insert({
        errorId: entry.errorId,
        errorType: entry.errorType,
        message: redactSecrets(error.message),
        stack: error.stack ? redactSecrets(error.stack) : null,
        statusCode: entry.statusCode,
        method: entry.method ?? null,
        path: entry.path?.slice(0, 2048) ?? null,
        requestId: entry.requestId ?? null,
        userId: entry.userId?.slice(0, 128) ?? null,
        details: entry.details ?? {},
      });
    } catch (storeError) {
      this.logger.error({ err: storeError, errorId: entry.errorId }, 'could not store error log');
    }
  }
}
