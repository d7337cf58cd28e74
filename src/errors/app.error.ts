import type { ErrorCode } from './error-codes';

export type ErrorDetails = Record<string, unknown> | unknown[];

/**
 * Base of every error the service raises on purpose. Modules subclass it with their own
 * codes; the global filter maps it to HTTP. `message` is for operators and logs,
 * `userMessage` is safe to show an end user; neither may carry a secret.
 */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;

  constructor(
    message: string,
    readonly userMessage: string = message,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
