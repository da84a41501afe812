import { grpcStatusForCategory, httpStatusForCategory } from '@mcs/resilience';
import { describe, expect, it } from 'vitest';
import { AUTH_ERROR_CODES, AuthError, type AuthErrorCode, GrpcStatus } from '../src/index.js';

const codes = Object.keys(AUTH_ERROR_CODES) as AuthErrorCode[];

describe('AUTH_ERROR_CODES, derived from the category table of @mcs/resilience', () => {
  it("every code's HTTP and gRPC status are its category's", () => {
    for (const code of codes) {
      const { category, httpStatus, grpcStatus } = AUTH_ERROR_CODES[code];
      expect(httpStatus, code).toBe(httpStatusForCategory(category));
      expect(GrpcStatus[grpcStatus], code).toBe(grpcStatusForCategory(category));
    }
  });

  it('the wire is what it has always been (HTTP status, gRPC status, OAuth error)', () => {
    const wire = Object.fromEntries(
      codes.map((code) => {
        const error = new AuthError(code, 'x');
        return [code, `${error.httpStatus} ${error.grpcStatus}=${error.grpcStatusCode} ${error.oauthError ?? '-'}`];
      }),
    );
    const unauthenticated = '401 UNAUTHENTICATED=16 invalid_token';
    const internal = '500 INTERNAL=13 -';
    expect(wire).toEqual({
      TOKEN_MISSING: '401 UNAUTHENTICATED=16 -',
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
      TOKEN_IN_QUERY: '400 INVALID_ARGUMENT=3 invalid_request',
      INSUFFICIENT_SCOPE: '403 PERMISSION_DENIED=7 insufficient_scope',
      ACCESS_DENIED: '403 PERMISSION_DENIED=7 insufficient_scope',
      JWKS_UNAVAILABLE: '503 UNAVAILABLE=14 -',
      REVOCATION_CHECK_FAILED: '503 UNAVAILABLE=14 -',
      PKCE_METHOD_NOT_SUPPORTED: '400 INVALID_ARGUMENT=3 invalid_request',
      PKCE_CHALLENGE_MALFORMED: '400 INVALID_ARGUMENT=3 invalid_request',
      PKCE_VERIFIER_MALFORMED: '400 INVALID_ARGUMENT=3 invalid_grant',
      PKCE_MISMATCH: '400 INVALID_ARGUMENT=3 invalid_grant',
      SECRET_BOX_MALFORMED: internal,
      SECRET_BOX_UNKNOWN_KEY: internal,
      SECRET_BOX_DECRYPT_FAILED: internal,
      KEY_INVALID: internal,
      INVALID_CONFIG: internal,
      INTERNAL_ERROR: internal,
    });
  });
});
