import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { ApiKeyMatcher } from '../auth/api-key.matcher';

/**
 * Logs every call under `/api/v1/admin` once it is answered: who (the presented key's
 * fingerprint, never the key), from where, what, and the status, refused calls and unknown
 * routes included.
 */
@Injectable()
export class AdminAccessLog implements NestMiddleware {
  private readonly logger = new Logger('AdminAccess');

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const entry = {
      method: request.method,
      path: request.originalUrl.split('?')[0],
      keyFingerprint: ApiKeyMatcher.fingerprint(request.header('x-api-key')),
      ip: request.ip,
      requestId: request.id,
    };
    response.once('finish', () => {
      const status = response.statusCode;
      const context = { ...entry, status, durationMs: Number(process.hrtime.bigint() - started) / 1e6 };
      if (status === 401 || status === 403) this.logger.warn(context, 'admin call refused');
      else this.logger.log(context, 'admin call');
    });
    next();
  }
}
