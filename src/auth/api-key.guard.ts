import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { headerOf, pathOf } from '../common/http-request';
import { AppConfigService } from '../config/app-config.service';
import { InvalidApiKeyError } from '../errors/app.errors';
import { presentedAdminKey } from './admin-key';
import { AdminNetworkPolicy } from './admin-network.policy';
import { ApiKeyMatcher } from './api-key.matcher';
import { IpNotAllowedError } from './auth.errors';

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
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    this.admit(request);
    const key = this.presentedKey(request);
    const index = this.matcher.indexOf(key);
    if (index >= 0) {
      this.accepted(request, index);
      return true;
    }
    this.refused(request, key);
    throw new InvalidApiKeyError();
  }

  /** The key the request presents. */
  protected presentedKey(request: FastifyRequest): string | undefined {
    return headerOf(request.headers, 'x-api-key');
  }

  /** Checks that come before the key; throws to refuse. */
  protected admit(_request: FastifyRequest): void {}

  /** The request presented the `index`th configured key. */
  protected accepted(_request: FastifyRequest, _index: number): void {}

  /** Called before a refusal is answered; a key may only ever be logged by its fingerprint. */
  protected refused(_request: FastifyRequest, _key: string | undefined): void {}
}

/**
 * Client apps present one of `API_KEY`; the key names the client, which the request then
 * carries (`@CallingClient()`) so reads and writes stay within that client's own rows.
 * Refusals are logged by fingerprint only.
 */
@Injectable()
export class ClientApiKeyGuard extends ApiKeyGuard {
  private readonly logger = new Logger(ClientApiKeyGuard.name);
  private readonly clients: string[];

  constructor(config: AppConfigService) {
    const clientKeys = config.get('security').clientKeys;
    super(clientKeys.map(({ key }) => key));
    this.clients = clientKeys.map(({ client }) => client);
  }

  protected override accepted(request: FastifyRequest, index: number): void {
    request.client = this.clients[index];
  }

  protected override refused(request: FastifyRequest, key: string | undefined): void {
    this.logger.warn({ key: ApiKeyMatcher.fingerprint(key), ip: request.ip, path: pathOf(request.url) }, 'client API key refused');
  }
}

/**
 * Admin routes answer only callers inside `ADMIN_ALLOWED_IPS` (403, before the key is even
 * compared) presenting one of `ADMIN_API_KEY` in `X-API-Key` (or the Python backend's `X-Admin-Key`). The client keys (`API_KEY`) are a different
 * list and configuration refuses any overlap, so a partner's key can never reach these routes.
 * `AdminAccessLogMiddleware` records every admin call, refusals included.
 */
@Injectable()
export class AdminApiKeyGuard extends ApiKeyGuard {
  constructor(
    config: AppConfigService,
    private readonly network: AdminNetworkPolicy,
  ) {
    super(config.get('security').adminApiKeys);
  }

  protected override admit(request: FastifyRequest): void {
    if (!this.network.allows(request.ip)) throw new IpNotAllowedError();
  }

  protected override presentedKey(request: FastifyRequest): string | undefined {
    return presentedAdminKey(request);
  }

  protected override accepted(request: FastifyRequest): void {
    // On the Node request: the admin access log, a middleware, reads it there.
    request.raw.adminAuthenticated = true;
  }
}
