import { Injectable } from '@nestjs/common';

import type { AppConfig } from '../config/app-config';
import { AppConfigService } from '../config/app-config.service';
import { CallbackUrlNotAllowedError } from './callbacks.errors';

/**
 * Where a request's status callbacks go: its own `callbackUrl`, which must share the scheme,
 * host and port of the URL registered for its client (`CLIENT_CALLBACK_URLS`), else the
 * registered URL itself; null for a client without one. A caller can choose a path on its own
 * receiver, never another host: the service must not be made to POST anywhere (SSRF).
 */
@Injectable()
export class CallbackUrlPolicy {
  private readonly callbacks: AppConfig['callbacks'];

  constructor(config: AppConfigService) {
    this.callbacks = config.get('callbacks');
  }

  /** The URL to store on the client's new request; throws if `requested` is not allowed. */
  resolve(client: string, requested: string | undefined): string | null {
    const registered = this.callbacks[client]?.url;
    if (requested === undefined) return registered ?? null;
    if (registered === undefined) throw new CallbackUrlNotAllowedError(false);
    const origin = originOf(requested);
    if (origin === null || origin !== originOf(registered)) throw new CallbackUrlNotAllowedError(true);
    return requested;
  }

  /** The secret a client's callbacks are signed with; undefined once its registration is gone. */
  secretOf(client: string): string | undefined {
    return this.callbacks[client]?.secret;
  }
}

/**
 * `scheme://host:port` (the default port left out, as URL does), or null for text that is not
 * an http(s) URL. Enough to show which receiver a delivery went to without its path or
 * query, where a receiver's token may be.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
}
