import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** The client (`API_KEY` name) whose key authenticated the request; set by ClientApiKeyGuard. */
    client?: string;
    /** Set once AdminApiKeyGuard has admitted the request (allowed address, valid admin key). */
    adminAuthenticated?: boolean;
  }
}

/**
 * The calling client's name. Only on routes behind `@ClientApi()`, whose guard has set it;
 * anywhere else it is a programming error, not a request to serve without a tenant.
 */
export const CallingClient = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const client = context.switchToHttp().getRequest<Request>().client;
  if (client === undefined) throw new Error('CallingClient used on a route without a client key guard');
  return client;
});

/** The calling client with the request's source, as security events record a refusal. */
export interface ClientCaller {
  client: string;
  sourceIp: string | undefined;
  path: string;
}

export const CallingClientRequest = createParamDecorator((_data: unknown, context: ExecutionContext): ClientCaller => {
  const request = context.switchToHttp().getRequest<Request>();
  if (request.client === undefined) throw new Error('CallingClientRequest used on a route without a client key guard');
  return { client: request.client, sourceIp: request.ip, path: request.path };
});
