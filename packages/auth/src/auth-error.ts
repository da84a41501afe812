import { ERROR_CATEGORY_TABLE, type ErrorCategory } from '@mcs/resilience/error-category-table';

// One table maps every local error code to the wire: its category in `@mcs/resilience`'s
// ERROR_CATEGORY_TABLE gives the HTTP status and the gRPC status, so every wire agrees with the rest
// of the platform; the OAuth 2.0 error code (RFC 6749 / RFC 6750) an HTTP adapter writes into
// `WWW-Authenticate` or a JSON body is this package's own. The core stays framework-free, so gRPC
// statuses are numbers here (the values of grpc-js `status`); only the table's file of
// `@mcs/resilience` is loaded (no retry machinery for a user of the secret box alone).

/** gRPC status codes used by this package (same numbers as `@grpc/grpc-js` `status`). */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatusName = keyof typeof GrpcStatus;

type OAuthErrorName = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_grant' | undefined;

/** The categories an auth failure falls in: their gRPC statuses are the ones `GrpcStatus` names. */
type AuthCategory = 'unauthenticated' | 'invalid_input' | 'permission_denied' | 'unavailable' | 'internal';

interface CodeMapping {
  readonly category: AuthCategory & ErrorCategory;
  readonly httpStatus: number;
  readonly grpcStatus: GrpcStatusName;
  /** OAuth error code; `undefined` when the spec says to send none (a request without credentials). */
  readonly oauthError: OAuthErrorName;
}

const GRPC_STATUS_NAMES = Object.fromEntries(
  Object.entries(GrpcStatus).map(([name, code]) => [code, name as GrpcStatusName]),
) as Readonly<Record<number, GrpcStatusName>>;

/** A row of AUTH_ERROR_CODES: the statuses read from the category table. */
function wire(category: AuthCategory, oauthError: OAuthErrorName = undefined): CodeMapping {
  const row = ERROR_CATEGORY_TABLE[category];
  const grpcStatus = GRPC_STATUS_NAMES[row.grpcStatus];
  if (grpcStatus === undefined) throw new Error(`GrpcStatus has no name for ${row.grpcStatus} (${category})`);
  return { category, httpStatus: row.httpStatus, grpcStatus, oauthError };
}

const unauthenticated = wire('unauthenticated', 'invalid_token');
const serverSide = wire('internal');
const unavailable = wire('unavailable');

export const AUTH_ERROR_CODES = {
  /** No bearer token on the request. RFC 6750 §3.1: send no error code, only the challenge. */
  TOKEN_MISSING: wire('unauthenticated'),
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
  TOKEN_IN_QUERY: wire('invalid_input', 'invalid_request'),
  INSUFFICIENT_SCOPE: wire('permission_denied', 'insufficient_scope'),
  ACCESS_DENIED: wire('permission_denied', 'insufficient_scope'),
  JWKS_UNAVAILABLE: unavailable,
  REVOCATION_CHECK_FAILED: unavailable,
  PKCE_METHOD_NOT_SUPPORTED: wire('invalid_input', 'invalid_request'),
  PKCE_CHALLENGE_MALFORMED: wire('invalid_input', 'invalid_request'),
  PKCE_VERIFIER_MALFORMED: wire('invalid_input', 'invalid_grant'),
  PKCE_MISMATCH: wire('invalid_input', 'invalid_grant'),
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
