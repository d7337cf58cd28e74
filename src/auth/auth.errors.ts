import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

/** The caller's address is outside `ADMIN_ALLOWED_IPS`; said before any key is looked at. */
export class IpNotAllowedError extends AppError {
  readonly code = ErrorCode.IP_NOT_ALLOWED;
  readonly status = HttpStatus.FORBIDDEN;
  constructor() {
    super('Admin routes are not available from this address', 'Access from this network is not allowed.');
  }
}

/** `ENFORCE_HTTPS`: the request came over plain HTTP. */
export class HttpsRequiredError extends AppError {
  readonly code = ErrorCode.HTTPS_REQUIRED;
  readonly status = HttpStatus.FORBIDDEN;
  constructor() {
    super('This service is only available over HTTPS', 'Use https:// to reach this service.');
  }
}
