import type { IncomingHttpHeaders } from 'node:http';

import { normalizeIp } from '@nestjs/throttler';

import { ApiKeyMatcher } from '../auth/api-key.matcher';
import { headerOf } from '../common/http-request';
import type { ClientKey } from '../config/app-config';

/** Every limit counts requests over the same window. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * The named limits: `admin` for operator routes (per caller address), `client` for partner
 * routes (per client when its key is valid, else per address), `anonymous` for the rest.
 */
export const RATE_LIMIT_NAMES = ['admin', 'client', 'anonymous'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

/** Orchestrators call these every few seconds; throttling them would restart healthy instances. */
const PROBES: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);
const ADMIN_PREFIXES = ['/api/v1/admin'];
// `/token`: the Python backend's client routes, kept for partner apps that still call them.
const CLIENT_PREFIXES = ['/api/v1/token', '/api/v1/transactions', '/token'];

/** What the rules read from a request: the Node request Nest middleware gets under Fastify satisfies it. */
export interface RateLimitedRequest {
  originalUrl: string;
  ip?: string;
  headers: IncomingHttpHeaders;
}

const under = (path: string, prefixes: readonly string[]): boolean =>
  prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/**
 * The limit a request counts against, or `null` for the probes, which are never limited.
 * Judged on the path as sent, before routing (unknown routes count too), read the way
 * the router matches it (`createApp`): case-insensitively, a trailing slash ignored.
 */
export function rateLimitOf(request: Pick<RateLimitedRequest, 'originalUrl'>): RateLimitName | null {
  const path = request.originalUrl
    .split('?')[0]
    .toLowerCase()
    .replace(/(?<=.)\/+$/, '');
  if (PROBES.has(path)) return null;
  if (under(path, ADMIN_PREFIXES)) return 'admin';
  if (under(path, CLIENT_PREFIXES)) return 'client';
  return 'anonymous';
}

/** The caller's address (as Fastify resolved it under `TRUST_PROXY`), an IPv6 caller by its /64. */
export function addressTracker(request: RateLimitedRequest): string {
  return `ip:${normalizeIp(request.ip ?? 'unknown')}`;
}

/**
 * Client routes count per client when the request presents one of its keys, whichever
 * instance or address it comes from. Anything else (no key, a wrong key, an admin key) is
 * no client: `null`, and the request counts against its address's anonymous budget, so a
 * flood of bad keys is refused at the anonymous rate before the route's guard runs.
 */
export class ClientTracker {
  private readonly matcher: ApiKeyMatcher;
  private readonly clients: string[];

  constructor(clientKeys: readonly ClientKey[]) {
    this.matcher = new ApiKeyMatcher(clientKeys.map(({ key }) => key));
    this.clients = clientKeys.map(({ client }) => client);
  }

  trackerOf(request: RateLimitedRequest): string | null {
    const index = this.matcher.indexOf(headerOf(request.headers, 'x-api-key'));
    return index >= 0 ? `client:${this.clients[index]}` : null;
  }
}
