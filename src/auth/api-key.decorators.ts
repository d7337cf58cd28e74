import { applyDecorators, type CanActivate, HttpStatus, type Type, UseGuards } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

import { ApiErrorResponse } from '../errors/error-response.dto';
import { AdminApiKeyGuard, ClientApiKeyGuard } from './api-key.guard';

/** The OpenAPI security schemes of the two kinds of key, both sent as `X-API-Key`. */
export const CLIENT_KEY_SCHEME = 'client-key';
export const ADMIN_KEY_SCHEME = 'admin-key';

const keyRequired = (scheme: string, guard: Type<CanActivate>): ClassDecorator & MethodDecorator =>
  applyDecorators(ApiSecurity(scheme), UseGuards(guard), ApiErrorResponse(HttpStatus.UNAUTHORIZED, 'INVALID_API_KEY'));

/** Routes for partner apps: a client key is required, and documented so. */
export const ClientApi = (): ClassDecorator & MethodDecorator => keyRequired(CLIENT_KEY_SCHEME, ClientApiKeyGuard);

/** Routes for operators: an admin key is required, and documented so. */
export const AdminApi = (): ClassDecorator & MethodDecorator => keyRequired(ADMIN_KEY_SCHEME, AdminApiKeyGuard);
