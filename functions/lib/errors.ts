/**
 * What a use case says went wrong, in terms of the domain: each kind carries a stable `code` (what clients and the
 * web app's messages key on) and a message for humans. No HTTP here: the cores are also run by scripts (npm run plan),
 * and `errorResponse` in ./http.ts is the one place that turns a kind into a status code. Anything that is not one
 * of these is a fault, not an answer.
 */
export type DomainErrorName =
  | 'ValidationError'
  | 'UnauthorizedError'
  | 'ForbiddenError'
  | 'NotFoundError'
  | 'TooLargeError'
  | 'UnsupportedTypeError'
  | 'QuotaExceededError';

export abstract class DomainError extends Error {
  abstract override readonly name: DomainErrorName;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The input breaks a rule (a malformed key, an unknown plan, an address that is not one). */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
}

/** The caller is not identified (a verified token that names no subject). */
export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
}

/** The caller is known but may not do this (not premium, not an admin). */
export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
}

/** What the request names does not exist (or is not to be revealed). */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
}

/** The thing offered is over its limit (an upload's declared size). */
export class TooLargeError extends DomainError {
  override readonly name = 'TooLargeError';
}

/** The thing offered is of a kind this flow does not take (an upload's content type). */
export class UnsupportedTypeError extends DomainError {
  override readonly name = 'UnsupportedTypeError';
}

/** The caller has used up an allowance (uploads per day); it renews in `retryAfterSeconds`. */
export class QuotaExceededError extends DomainError {
  override readonly name = 'QuotaExceededError';
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}
