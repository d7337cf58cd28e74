import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client (`API_KEY` name) whose key authenticated the request; set by ClientApiKeyGuard. */
    client?: string;
  }
}

declare module 'node:http' {
  interface IncomingMessage {
    /**
     * Set once AdminApiKeyGuard has admitted the request (allowed address, valid admin key).
     * On the Node request, not Fastify's: the admin access log is a middleware, and sees only that.
     */
    adminAuthenticated?: boolean;
  }
}

/**
 * The Node request as Nest middleware sees it under Fastify: @fastify/middie copies the
 * address (resolved under `TRUST_PROXY`), the scheme and the path as sent onto it.
 */
export type MiddlewareRequest = IncomingMessage & { ip?: string; protocol?: 'http' | 'https'; originalUrl: string };

/** A header's value as one string: the first, were it sent as a list. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A request target's path, without its query. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
