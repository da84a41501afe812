import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from './auth-error.js';

/** RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url(SHA-256) without padding is always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface PkcePair {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** A fresh verifier (64 characters, 384 random bits) and its S256 challenge. */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: computePkceChallenge(verifier), method: 'S256' };
}

/** BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2. */
export function computePkceChallenge(verifier: string): string {
  assertVerifier(verifier);
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * For the authorization endpoint: accepts only `S256` with a well-formed challenge. A missing method
 * means `plain` (RFC 7636 §4.3), which OAuth 2.1 and the MCP authorization spec rule out.
 */
export function validatePkceChallenge(challenge: unknown, method: unknown): asserts challenge is string {
  assertS256(method);
  if (typeof challenge !== 'string' || !S256_CHALLENGE.test(challenge)) {
    throw new AuthError(
      'PKCE_CHALLENGE_MALFORMED',
      'code_challenge must be the 43-character base64url SHA-256 of the verifier.',
    );
  }
}

/** For the token endpoint: throws unless `verifier` hashes to `challenge` under S256. */
export function verifyPkce(verifier: unknown, challenge: string, method: unknown = 'S256'): void {
  assertS256(method);
  assertVerifier(verifier);
  const expected = Buffer.from(computePkceChallenge(verifier));
  const actual = Buffer.from(challenge);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new AuthError(
      'PKCE_MISMATCH',
      'code_verifier does not match the code_challenge of this authorization request.',
    );
  }
}

function assertS256(method: unknown): void {
  if (method !== 'S256') {
    throw new AuthError(
      'PKCE_METHOD_NOT_SUPPORTED',
      `code_challenge_method "${String(method ?? 'plain')}" is not supported; use S256.`,
    );
  }
}

function assertVerifier(verifier: unknown): asserts verifier is string {
  if (typeof verifier !== 'string' || !VERIFIER.test(verifier)) {
    throw new AuthError(
      'PKCE_VERIFIER_MALFORMED',
      'code_verifier must be 43-128 characters of A-Z, a-z, 0-9, "-", ".", "_" or "~" (RFC 7636 §4.1).',
    );
  }
}
