import type { ServerResponse } from 'node:http';

import { Injectable, NestMiddleware } from '@nestjs/common';

import { HttpsRequiredError } from '../auth/auth.errors';
import { type MiddlewareRequest, pathOf } from '../common/http-request';
import { AppConfigService } from '../config/app-config.service';

/**
 * Orchestrators probe liveness and readiness over plain HTTP straight at the pod, past the
 * TLS-terminating proxy; refusing them would restart healthy instances. They carry nothing.
 */
const PLAIN_HTTP_PATHS = new Set(['/health/live', '/health/ready']);

/**
 * `ENFORCE_HTTPS`: a request that did not arrive over HTTPS is refused (403 HTTPS_REQUIRED),
 * not redirected, so an API key sent in the clear is not silently accepted. Behind a proxy
 * that terminates TLS, the scheme is read from `X-Forwarded-Proto`, believed only from the
 * proxies `TRUST_PROXY` names.
 */
@Injectable()
export class HttpsOnlyMiddleware implements NestMiddleware {
  private readonly enforced: boolean;

  constructor(config: AppConfigService) {
    this.enforced = config.get('http').enforceHttps;
  }

  use(request: MiddlewareRequest, _response: ServerResponse, next: () => void): void {
    // originalUrl: Nest mounts middleware on a path, and strips it from `url`.
    if (!this.enforced || request.protocol === 'https' || PLAIN_HTTP_PATHS.has(pathOf(request.originalUrl))) return next();
    throw new HttpsRequiredError();
  }
}
