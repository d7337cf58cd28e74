import { HttpStatus } from '@nestjs/common';

import { AppError } from '../errors/app.error';
import { ErrorCode } from '../errors/error-codes';

/** Unknown id, or not an alert id at all (a uuid); only the latter is echoed. */
export class AlertNotFoundError extends AppError {
  readonly code = ErrorCode.ALERT_NOT_FOUND;
  readonly status = HttpStatus.NOT_FOUND;
  constructor(alertId: string | null) {
    super(
      alertId === null ? 'Not an alert id' : `No alert ${alertId}`,
      'This alert does not exist.',
      alertId === null ? {} : { alert_id: alertId },
    );
  }
}

/** A resolved alert is closed: acknowledging it would say someone is working on something that is over. */
export class AlertAlreadyResolvedError extends AppError {
  readonly code = ErrorCode.ALERT_ALREADY_RESOLVED;
  readonly status = HttpStatus.CONFLICT;
  constructor(alertId: string, resolvedAt: Date | null) {
    super(`Alert ${alertId} is already resolved`, 'This alert is already resolved.', {
      alert_id: alertId,
      resolved_at: resolvedAt?.toISOString() ?? null,
    });
  }
}
