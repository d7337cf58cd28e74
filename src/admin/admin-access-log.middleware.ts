import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { ApiKeyMatcher } from '../auth/api-key.matcher';
import { WalletAuditService } from '../custody/audit/wallet-audit.service';
import { adminActorOf } from './admin-actor';

/**
 * Logs and audits every call under `/api/v1/admin` once it is answered: who (the presented
 * key's fingerprint, never the key), from where, what, and the status, refused calls and
 * unknown routes included. The audit row goes into the same hash chain as custody operations.
 */
@Injectable()
export class AdminAccessLogMiddleware implements NestMiddleware {
  private readonly logger = new Logger('AdminAccess');

  constructor(private readonly audit: WalletAuditService) {}

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
      const refused = status === 401 || status === 403;
      if (refused) this.logger.warn(context, 'admin call refused');
      else this.logger.log(context, 'admin call');
      const walletId = /^\/api\/v1\/admin\/wallets\/([^/]+)/.exec(entry.path)?.[1];
      this.audit
        .record({
          ...adminActorOf(request, entry.keyFingerprint),
          walletId: walletId === undefined ? null : walletId.slice(0, 128),
          action: refused ? 'admin_request_refused' : 'admin_request',
          severity: refused ? 'MEDIUM' : 'LOW',
          details: { method: entry.method, path: entry.path, status },
        })
        .catch((error: unknown) => this.logger.error({ err: error, ...entry }, 'could not audit an admin call'));
    });
    next();
  }
}
