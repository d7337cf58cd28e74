import { applyDecorators, type CanActivate, HttpStatus, type Type, UseGuards } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

import { ApiErrorResponse } from '../errors/error-response.dto';
import { AdminApiKeyGuard, ClientApiKeyGuard } from './api-key.guard';

/** The OpenAPI security schemes of the two kinds of key, both sent as `X-API-Key`. */
export const CLIENT_KEY_SCHEME = 'client-key';
export const ADMIN_KEY_SCHEME = 'admin-key';
/** The same admin keys in the Python backend's `X-Admin-Key` header. */
export const LEGACY_ADMIN_KEY_SCHEME = 'admin-key-legacy';

const keyRequired = (schemes: string[], guard: Type<CanActivate>): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ...schemes.map((scheme) => ApiSecurity(scheme)),
    UseGuards(guard),
    ApiErrorResponse(HttpStatus.UNAUTHORIZED, 'INVALID_API_KEY'),
  );

/** Routes for partner apps: a client key is required, and documented so. */
export const ClientApi = (): ClassDecorator & MethodDecorator => keyRequired([CLIENT_KEY_SCHEME], ClientApiKeyGuard);

/** Routes for operators: an admin key is required, and documented so. */
export const AdminApi = (): ClassDecorator & MethodDecorator => keyRequired([ADMIN_KEY_SCHEME, LEGACY_ADMIN_KEY_SCHEME], AdminApiKeyGuard);
