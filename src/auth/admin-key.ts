import type { IncomingHttpHeaders } from 'node:http';

import { headerOf } from '../common/http-request';

/**
 * The admin key a request presents: `X-API-Key`, or `X-Admin-Key`, the header the Python
 * backend's admin API used, so operators' scripts keep working after the switch. Both go
 * through the same network rule, rate limit, comparison and audit.
 */
export function presentedAdminKey(request: { headers: IncomingHttpHeaders }): string | undefined {
  return headerOf(request.headers, 'x-api-key') ?? headerOf(request.headers, 'x-admin-key');
}
