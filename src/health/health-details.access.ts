import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { presentedAdminKey } from '../auth/admin-key';
import { AdminNetworkPolicy } from '../auth/admin-network.policy';
import { ApiKeyMatcher } from '../auth/api-key.matcher';
import { headerOf } from '../common/http-request';
import { AppConfigService } from '../config/app-config.service';
import { bearerTokenOf } from '../metrics/metrics.access';

/**
 * Who may see `/health` details (dependencies, breakers, the signer's address, nonces, the
 * backlog): a caller presenting an admin key in `X-API-Key` from an address the admin routes
 * would answer (`ADMIN_ALLOWED_IPS`), or `HEALTH_DETAILS_TOKEN` as a bearer token from
 * anywhere (for a monitoring system outside the admin network). Everyone else gets the status
 * alone. Both are compared in constant time, and both are always compared, so the answer's
 * timing does not say which one matched.
 */
@Injectable()
export class HealthDetailsAccess {
  private readonly adminKeys: ApiKeyMatcher;
  private readonly detailsToken: ApiKeyMatcher;

  constructor(
    config: AppConfigService,
    private readonly adminNetwork: AdminNetworkPolicy,
  ) {
    this.adminKeys = new ApiKeyMatcher(config.get('security').adminApiKeys);
    const token = config.get('http').healthDetailsToken;
    // An unset token matches nothing (the matcher refuses empty candidates and has no keys).
    this.detailsToken = new ApiKeyMatcher(token === undefined || token === '' ? [] : [token]);
  }

  maySeeDetails(request: FastifyRequest): boolean {
    const byAdminKey = this.adminKeys.matches(presentedAdminKey(request)) && this.adminNetwork.allows(request.ip);
    const byToken = this.detailsToken.matches(bearerTokenOf(headerOf(request.headers, 'authorization')));
    return byAdminKey || byToken;
  }
}
