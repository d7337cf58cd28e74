import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { HttpsRequiredError } from '../auth/auth.errors';
import { AppConfigService } from '../config/app-config.service';

/**
 * Orchestrators probe liveness and readiness over plain HTTP straight at the pod, past the
 * TLS-terminating proxy; refusing them would restart healthy instances. They carry nothing.
 */
const PLAIN_HTTP_PATHS = new Set(['/health/live', '/health/ready']);

/**
 * `ENFORCE_HTTPS`: a request that did not arrive over HTTPS is refused (403 HTTPS_REQUIRED),
 * not redirected, so an API key sent in the clear is not silently accepted. Behind a proxy
 * that terminates TLS, `request.secure` reads `X-Forwarded-Proto`, believed only from the
 * proxies `TRUST_PROXY` names.
 */
@Injectable()
export class HttpsOnlyMiddleware implements NestMiddleware {
  private readonly enforced: boolean;

  constructor(config: AppConfigService) {
    this.enforced = config.get('http').enforceHttps;
  }

  use(request: Request, _response: Response, next: NextFunction): void {
    // originalUrl: Nest mounts middleware on a path, and Express strips it from `path`.
    if (!this.enforced || request.secure || PLAIN_HTTP_PATHS.has(request.originalUrl.split('?')[0])) return next();
    throw new HttpsRequiredError();
  }
}
