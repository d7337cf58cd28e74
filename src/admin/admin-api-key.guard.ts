import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { ApiKeyMatcher } from '../auth/api-key.matcher';
import { AppConfigService } from '../config/app-config.service';
import { InvalidApiKeyError } from '../errors/app.errors';

/**
 * Admin routes take `X-API-Key` = one of `ADMIN_API_KEY`, compared in constant time. The
 * client keys (`API_KEY`) are a different list and configuration refuses any overlap, so a
 * partner's key can never reach these routes. `AdminAccessLog` records every call.
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly matcher: ApiKeyMatcher;

  constructor(config: AppConfigService) {
    this.matcher = new ApiKeyMatcher(config.get('security').adminApiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.matcher.matches(request.header('x-api-key'))) return true;
    throw new InvalidApiKeyError();
  }
}
