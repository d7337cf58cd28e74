import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { ClientCaller } from '../../auth/calling-client';
import { pathOf } from '../../common/http-request';
import type { AuditActor } from '../../custody/audit/wallet-audit.service';

/** The calling client, and the request id the custody audit trail records with it. */
export interface LegacyCaller extends ClientCaller {
  requestId: string | null;
}

export const LegacyCallingClient = createParamDecorator((_data: unknown, context: ExecutionContext): LegacyCaller => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (request.client === undefined) throw new Error('LegacyCallingClient used on a route without a client key guard');
  return { client: request.client, sourceIp: request.ip, path: pathOf(request.url), requestId: request.id };
});

/** How custody's audit trail names a client's call. */
export const auditActorOf = (caller: LegacyCaller): AuditActor => ({
  actor: `client:${caller.client}`,
  sourceIp: caller.sourceIp ?? null,
  requestId: caller.requestId,
});
