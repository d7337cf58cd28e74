import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';

import { AppConfigService } from '../config/app-config.service';
import { InvalidApiKeyError } from '../errors/app.errors';
import { ApiKeyMatcher } from './api-key.matcher';

/** Client apps present `X-API-Key` = one of `API_KEY`. Refusals are logged by fingerprint only. */
@Injectable()
export class ClientApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ClientApiKeyGuard.name);
  private readonly matcher: ApiKeyMatcher;

  constructor(config: AppConfigService) {
    this.matcher = new ApiKeyMatcher(config.get('security').apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const key = request.header('x-api-key');
    if (this.matcher.matches(key)) return true;
    this.logger.warn({ key: ApiKeyMatcher.fingerprint(key), ip: request.ip, path: request.path }, 'client API key refused');
    throw new InvalidApiKeyError();
  }
}
