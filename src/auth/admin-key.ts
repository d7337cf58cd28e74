import type { Request } from 'express';

/**
 * The admin key a request presents: `X-API-Key`, or `X-Admin-Key`, the header the Python
 * backend's admin API used, so operators' scripts keep working after the switch. Both go
 * through the same network rule, rate limit, comparison and audit.
 */
export function presentedAdminKey(request: Pick<Request, 'header'>): string | undefined {
  return request.header('x-api-key') ?? request.header('x-admin-key');
}
