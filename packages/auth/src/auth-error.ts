// One table maps every local error code to the wire: HTTP status, gRPC status and the OAuth 2.0
// error code (RFC 6749 / RFC 6750) an HTTP adapter writes into `WWW-Authenticate` or a JSON body.
// The core stays framework-free, so gRPC statuses are numbers here (the values of grpc-js `status`).

/** gRPC status codes used by this package (same numbers as `@grpc/grpc-js` `status`). */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatusName = keyof typeof GrpcStatus;

interface CodeMapping {
  readonly httpStatus: number;
  readonly grpcStatus: GrpcStatusName;
  /** OAuth error code; `undefined` when the spec says to send none (a request without credentials). */
  readonly oauthError: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_grant' | undefined;
}

const unauthenticated = { httpStatus: 401, grpcStatus: 'UNAUTHENTICATED', oauthError: 'invalid_token' } as const;
const serverSide = { httpStatus: 500, grpcStatus: 'INTERNAL', oauthError: undefined } as const;
const unavailable = { httpStatus: 503, grpcStatus: 'UNAVAILABLE', oauthError: undefined } as const;

export const AUTH_ERROR_CODES = {
  /** No bearer token on the request. RFC 6750 §3.1: send no error code, only the challenge. */
  TOKEN_MISSING: { httpStatus: 401, grpcStatus: 'UNAUTHENTICATED', oauthError: undefined },
  TOKEN_MALFORMED: unauthenticated,
  TOKEN_EXPIRED: unauthenticated,
  TOKEN_NOT_YET_VALID: unauthenticated,
  AUDIENCE_MISMATCH: unauthenticated,
  ISSUER_MISMATCH: unauthenticated,
  CLAIM_INVALID: unauthenticated,
  SIGNATURE_INVALID: unauthenticated,
  ALGORITHM_NOT_ALLOWED: unauthenticated,
  UNKNOWN_KEY: unauthenticated,
  TOKEN_REVOKED: unauthenticated,
  /** A token in the URL query string: refused outright (it leaks into logs, history and Referer). */
  TOKEN_IN_QUERY: { httpStatus: 400, grpcStatus: 'INVALID_ARGUMENT', oauthError: 'invalid_request' },
  INSUFFICIENT_SCOPE: { httpStatus: 403, grpcStatus: 'PERMISSION_DENIED', oauthError: 'insufficient_scope' },
  ACCESS_DENIED: { httpStatus: 403, grpcStatus: 'PERMISSION_DENIED', oauthError: 'insufficient_scope' },
  JWKS_UNAVAILABLE: unavailable,
  REVOCATION_CHECK_FAILED: unavailable,
  PKCE_METHOD_NOT_SUPPORTED: { httpStatus: 400, grpcStatus: 'INVALID_ARGUMENT', oauthError: 'invalid_request' },
  PKCE_CHALLENGE_MALFORMED: { httpStatus: 400, grpcStatus: 'INVALID_ARGUMENT', oauthError: 'invalid_request' },
  PKCE_VERIFIER_MALFORMED: { httpStatus: 400, grpcStatus: 'INVALID_ARGUMENT', oauthError: 'invalid_grant' },
  PKCE_MISMATCH: { httpStatus: 400, grpcStatus: 'INVALID_ARGUMENT', oauthError: 'invalid_grant' },
  SECRET_BOX_MALFORMED: serverSide,
  SECRET_BOX_UNKNOWN_KEY: serverSide,
  SECRET_BOX_DECRYPT_FAILED: serverSide,
  KEY_INVALID: serverSide,
  INVALID_CONFIG: serverSide,
  /** Something other than an AuthError was thrown while authenticating (a bug, a failing callback). */
  INTERNAL_ERROR: serverSide,
} as const satisfies Record<string, CodeMapping>;

export type AuthErrorCode = keyof typeof AUTH_ERROR_CODES;

const brand = Symbol.for('@mcs/auth/AuthError');

export interface AuthErrorOptions {
  cause?: unknown;
  /** Scopes the operation needs (set on INSUFFICIENT_SCOPE so adapters can name every one). */
  requiredScopes?: readonly string[];
}

/** The one error class of `@mcs/auth`. Recognise it with `AuthError.isInstance(e)` across copies of the package. */
export class AuthError extends Error {
  readonly [brand] = true;
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly httpStatus: number;
  readonly grpcStatus: GrpcStatusName;
  readonly grpcStatusCode: number;
  readonly oauthError: CodeMapping['oauthError'];
  readonly requiredScopes: readonly string[];

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const mapping: CodeMapping = AUTH_ERROR_CODES[code];
    this.code = code;
    this.httpStatus = mapping.httpStatus;
    this.grpcStatus = mapping.grpcStatus;
    this.grpcStatusCode = GrpcStatus[mapping.grpcStatus];
    this.oauthError = mapping.oauthError;
    this.requiredScopes = options.requiredScopes ?? [];
  }

  static isInstance(value: unknown): value is AuthError {
    return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
  }
}

/** Wraps anything thrown into an AuthError, keeping AuthErrors as they are. */
export function getAuthErrorFromUnknown(
  error: unknown,
  fallback: AuthErrorCode = 'TOKEN_MALFORMED',
  message = 'The token could not be verified; obtain a new access token.',
): AuthError {
  if (AuthError.isInstance(error)) return error;
  return new AuthError(fallback, message, { cause: error });
}
