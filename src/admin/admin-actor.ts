import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

import { presentedAdminKey } from '../auth/admin-key';
import { ApiKeyMatcher } from '../auth/api-key.matcher';
import type { AuditActor } from '../custody/audit/wallet-audit.service';

/** Who made an admin request, as the audit trail records it: the key's fingerprint, never the key. */
export function adminActorOf(request: Request, fingerprint = ApiKeyMatcher.fingerprint(presentedAdminKey(request))): AuditActor {
  return {
    actor: `admin-key:${fingerprint}`,
    sourceIp: request.ip ?? null,
    requestId: typeof request.id === 'string' || typeof request.id === 'number' ? String(request.id) : null,
  };
}

export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor =>
  adminActorOf(context.switchToHttp().getRequest<Request>()),
);
