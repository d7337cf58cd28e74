import type { IncomingHttpHeaders } from 'node:http';

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { presentedAdminKey } from '../auth/admin-key';
import { ApiKeyMatcher } from '../auth/api-key.matcher';
import type { AuditActor } from '../custody/audit/wallet-audit.service';

/** What the actor is read from: Fastify's request, or the Node request a middleware sees. */
interface AdminRequest {
  headers: IncomingHttpHeaders;
  ip?: string;
  id?: unknown;
}

/** Who made an admin request, as the audit trail records it: the key's fingerprint, never the key. */
export function adminActorOf(request: AdminRequest, fingerprint = ApiKeyMatcher.fingerprint(presentedAdminKey(request))): AuditActor {
  return {
    actor: `admin-key:${fingerprint}`,
    sourceIp: request.ip ?? null,
    requestId: typeof request.id === 'string' ? request.id : null,
  };
}

export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor =>
  adminActorOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
