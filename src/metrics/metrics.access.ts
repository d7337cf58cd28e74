import { Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';

import { ApiKeyMatcher } from '../auth/api-key.matcher';
import { AppConfigService } from '../config/app-config.service';
import { InvalidApiKeyError } from '../errors/app.errors';

/**
 * Where `/metrics` is served, decided once from configuration:
 * - `own-port`: `METRICS_PORT` is set; only there (see `MetricsServer`), never on the API port.
 * - `token`: `METRICS_TOKEN` is set; on the API port, behind `Authorization: Bearer <token>`.
 * - `open`: neither, outside production; on the API port to anyone.
 * - `off`: neither, in production; not served at all (a warning at start says how to enable it).
 */
export type MetricsExposure = 'own-port' | 'token' | 'open' | 'off';

/** `Authorization: Bearer <token>`; the scheme is case-insensitive, the token is not. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
}

/** Who may scrape `/metrics`, and where. */
@Injectable()
export class MetricsAccess implements OnApplicationBootstrap {
  private readonly logger = new Logger('Metrics');
  readonly exposure: MetricsExposure;
  /** `METRICS_TOKEN`, when set; it guards the metrics port too. */
  private readonly token?: ApiKeyMatcher;

  constructor(config: AppConfigService) {
    const { metricsPort, metricsToken } = config.get('http');
    if (metricsToken !== undefined && metricsToken !== '') this.token = new ApiKeyMatcher([metricsToken]);
    this.exposure = metricsPort !== undefined ? 'own-port' : this.token !== undefined ? 'token' : config.isProduction ? 'off' : 'open';
  }

  onApplicationBootstrap(): void {
    if (this.exposure !== 'off') return;
    this.logger.warn(
      '/metrics is not served: in production it needs METRICS_PORT (a port of its own, kept off the public network) ' +
        'or METRICS_TOKEN (served on the API port behind "Authorization: Bearer <token>")',
    );
  }

  /** Whether `authorization` carries the token, when one is configured; compared in constant time. */
  tokenAccepted(authorization: string | undefined): boolean {
    return this.token === undefined || this.token.matches(bearerTokenOf(authorization));
  }

  /**
   * For `/metrics` on the API port: returns when the caller may scrape, else throws what the
   * caller should see: the 404 of any unknown route, or 401 without the right token.
   */
  assertMainPortScrape(authorization: string | undefined): void {
    switch (this.exposure) {
      case 'open':
        return;
      case 'token':
        if (this.tokenAccepted(authorization)) return;
        throw new InvalidApiKeyError();
      default:
        // Exactly what an unknown route answers: nothing tells a scanner the endpoint exists.
        throw new NotFoundException();
    }
  }
}
