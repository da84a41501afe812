import { AuthError } from './auth-error.js';

// RFC 6750 §2.1 b64token: the only characters a bearer token may contain.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer <token>` value (scheme case-insensitive). Throws
 * TOKEN_MISSING when there is no bearer credential, TOKEN_MALFORMED when it is not a b64token.
 */
export function extractBearerToken(authorization: string | readonly string[] | undefined | null): string {
  if (Array.isArray(authorization) && authorization.length > 1) {
    throw new AuthError('TOKEN_MALFORMED', 'Send exactly one Authorization header.');
  }
  const value = (typeof authorization === 'string' ? authorization : authorization?.[0])?.trim();
  if (value === undefined || value === '') {
    throw new AuthError('TOKEN_MISSING', 'No access token was sent; send "Authorization: Bearer <token>".');
  }
  const match = /^Bearer(?:\s+(.*))?$/i.exec(value);
  if (match === null) {
    throw new AuthError(
      'TOKEN_MISSING',
      'The Authorization header does not use the Bearer scheme; send "Bearer <token>".',
    );
  }
  const token = match[1]?.trim() ?? '';
  if (token === '') throw new AuthError('TOKEN_MISSING', 'The Bearer credential is empty; send "Bearer <token>".');
  if (!B64TOKEN.test(token)) {
    throw new AuthError('TOKEN_MALFORMED', 'The Bearer token contains characters a token cannot have.');
  }
  return token;
}
