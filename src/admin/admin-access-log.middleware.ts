import type { ServerResponse } from 'node:http';

import { Injectable, Logger, NestMiddleware } from '@nestjs/common';

import { presentedAdminKey } from '../auth/admin-key';
import { ApiKeyMatcher } from '../auth/api-key.matcher';
import { type MiddlewareRequest, pathOf } from '../common/http-request';
import { WalletAuditService } from '../custody/audit/wallet-audit.service';
import { SecurityEventRecorder } from '../security/security-event.recorder';
import { adminActorOf } from './admin-actor';

/** Refused before the route ran: bad key, outside the allowlist, or over the rate limit. */
const REFUSED = new Set([401, 403, 429]);

/**
 * Logs and records every call under `/api/v1/admin` once it is answered: who (the presented
 * key's fingerprint, never the key), from where, what, and the status. Admitted calls are
 * audited in the same hash chain as custody operations. Refused calls are only counted in
 * `security_events`: anyone can send them, so they must not queue on the chain's lock that
 * custody's own appends take, nor add a row each.
 */
@Injectable()
export class AdminAccessLogMiddleware implements NestMiddleware {
  private readonly logger = new Logger('AdminAccess');

  constructor(
    private readonly audit: WalletAuditService,
    private readonly securityEvents: SecurityEventRecorder,
  ) {}

  use(request: MiddlewareRequest, response: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    const entry = {
      method: request.method,
      path: pathOf(request.originalUrl),
      keyFingerprint: ApiKeyMatcher.fingerprint(presentedAdminKey(request)),
      ip: request.ip,
      requestId: request.id,
    };
    response.once('finish', () => {
      const status = response.statusCode;
      const context = { ...entry, status, durationMs: Number(process.hrtime.bigint() - started) / 1e6 };
      // Only a call the admin guard let in reaches the chain: an unknown admin path answers
      // 404 without any guard running, and anyone can send those too.
      if (REFUSED.has(status) || request.adminAuthenticated !== true) {
        this.logger.warn(context, 'admin call refused');
        this.securityEvents.record({
          kind: 'admin_refused',
          actor: `admin-key:${entry.keyFingerprint}`,
          sourceIp: entry.ip,
          path: entry.path.slice(0, 256),
          details: { method: entry.method, status },
        });
        return;
      }
      this.logger.log(context, 'admin call');
      const walletId = /^\/api\/v1\/admin\/wallets\/([^/]+)/.exec(entry.path)?.[1];
      this.audit
        .record({
          ...adminActorOf(request, entry.keyFingerprint),
          walletId: walletId === undefined ? null : walletId.slice(0, 128),
          action: 'admin_request',
          severity: 'LOW',
          details: { method: entry.method, path: entry.path, status },
        })
        .catch((error: unknown) => this.logger.error({ err: error, ...entry }, 'could not audit an admin call'));
    });
    next();
  }
}
