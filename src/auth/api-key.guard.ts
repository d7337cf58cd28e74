import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';

import { AppConfigService } from '../config/app-config.service';
import { InvalidApiKeyError } from '../errors/app.errors';
import { ApiKeyMatcher } from './api-key.matcher';

/**
 * Lets a request through when its `X-API-Key` is one of `keys` (compared in constant time),
 * and answers 401 INVALID_API_KEY otherwise. Each subclass names its list of keys.
 */
export abstract class ApiKeyGuard implements CanActivate {
  private readonly matcher: ApiKeyMatcher;

  protected constructor(keys: readonly string[]) {
    this.matcher = new ApiKeyMatcher(keys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const key = request.header('x-api-key');
    if (this.matcher.matches(key)) return true;
    this.refused(request, key);
    throw new InvalidApiKeyError();
  }

  /** Called before a refusal is answered; a key may only ever be logged by its fingerprint. */
  protected refused(_request: Request, _key: string | undefined): void {}
}

/** Client apps present one of `API_KEY`. Refusals are logged by fingerprint only. */
@Injectable()
export class ClientApiKeyGuard extends ApiKeyGuard {
  private readonly logger = new Logger(ClientApiKeyGuard.name);

  constructor(config: AppConfigService) {
    super(config.get('security').apiKeys);
  }

  protected override refused(request: Request, key: string | undefined): void {
    this.logger.warn({ key: ApiKeyMatcher.fingerprint(key), ip: request.ip, path: request.path }, 'client API key refused');
  }
}

/**
 * Admin routes take one of `ADMIN_API_KEY`. The client keys (`API_KEY`) are a different list
 * and configuration refuses any overlap, so a partner's key can never reach these routes.
 * `AdminAccessLogMiddleware` logs and audits every admin call, refusals included.
 */
@Injectable()
export class AdminApiKeyGuard extends ApiKeyGuard {
  constructor(config: AppConfigService) {
    super(config.get('security').adminApiKeys);
  }
}
