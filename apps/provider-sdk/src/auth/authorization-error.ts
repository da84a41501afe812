import type { ErrorCategory } from '@mcs/resilience';

/** Why an authorization step failed; the message says what to do. */
export const authorizationErrorCodes = {
  /** The backend needs a user sign-in and the pool has no authorizer (or the grant cannot sign in). */
  AUTHORIZATION_REQUIRED: 'unauthenticated',
  /** The user (or the authorization server) refused: the callback carried `error=...`. */
  AUTHORIZATION_DENIED: 'unauthenticated',
  /** The callback's `state` is not the one sent: another tab, a stale link, or a forged callback. */
  AUTHORIZATION_STATE_MISMATCH: 'unauthenticated',
  /** No callback within the authorizer's `timeoutMs`. */
  AUTHORIZATION_TIMEOUT: 'timeout',
  /** The callback (or the pasted answer) has no usable `code`. */
  AUTHORIZATION_INVALID_RESPONSE: 'unauthenticated',
  /** The authorizer was closed or the sign-in aborted before it finished. */
  AUTHORIZATION_CANCELLED: 'cancelled',
  /** The token store could not be read or written (the file, its key, its format). */
  TOKEN_STORE_FAILED: 'internal',
} as const satisfies Record<string, ErrorCategory>;

export type AuthorizationErrorCode = keyof typeof authorizationErrorCodes;

const brand = Symbol.for('@mcs/provider-sdk/AuthorizationError');

/**
 * A failed sign-in step (authorizer, callback, token store). The pool reports it as a
 * `ProviderError` `UNAUTHENTICATED` with this error as cause. Never carries a token or secret.
 */
export class AuthorizationError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through the global symbol
  private readonly [brand] = true;
  override readonly name = 'AuthorizationError';
  readonly code: AuthorizationErrorCode;
  readonly category: ErrorCategory;

  constructor(code: AuthorizationErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.category = authorizationErrorCodes[code];
  }

  /** True for an `AuthorizationError` from any copy of this package. */
  static isInstance(value: unknown): value is AuthorizationError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}
