import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { pathOf } from '../common/http-request';

/**
 * The calling client's name. Only on routes behind `@ClientApi()`, whose guard has set it;
 * anywhere else it is a programming error, not a request to serve without a tenant.
 */
export const CallingClient = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const client = context.switchToHttp().getRequest<FastifyRequest>().client;
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
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (request.client === undefined) throw new Error('CallingClientRequest used on a route without a client key guard');
  return { client: request.client, sourceIp: request.ip, path: pathOf(request.url) };
});
