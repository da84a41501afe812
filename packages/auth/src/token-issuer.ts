import { randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { z } from 'zod';
import { AuthError } from './auth-error.js';
import type { KeyRing } from './key-ring.js';
import { formatScopes } from './scopes.js';

export interface TokenIssuerOptions {
  /** `iss` of every token: the authorization server's issuer URL. */
  issuer: string;
  keyRing: KeyRing;
  /** Default 3600. */
  defaultTtlSeconds?: number;
  /** Upper bound for `ttlSeconds`. Default 86400. */
  maxTtlSeconds?: number;
}

export interface IssueAccessTokenOptions {
  subject: string;
  /** The resource(s) the token is for (RFC 8707): the canonical URL of the MCP server, gateway audience, ... */
  audience: string | readonly string[];
  scopes?: readonly string[];
  roles?: readonly string[];
  clientId?: string;
  ttlSeconds?: number;
  /** Extra claims; they cannot override the registered ones this issuer sets. */
  claims?: Record<string, unknown>;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  keyId: string;
  expiresAt: Date;
  /** Seconds until expiry, for the token response's `expires_in`. */
  expiresIn: number;
  tokenType: 'Bearer';
}

export interface TokenIssuer {
  issueAccessToken(options: IssueAccessTokenOptions): Promise<IssuedAccessToken>;
}

const RESERVED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'roles', 'client_id'];

/** Signs RFC 9068 style access tokens (`typ: at+jwt`) with the key ring's active key. */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const issuer = z.url().safeParse(options.issuer);
  if (!issuer.success) throw new AuthError('INVALID_CONFIG', `The issuer "${options.issuer}" must be a URL.`);
  const defaultTtl = options.defaultTtlSeconds ?? 3600;
  const maxTtl = options.maxTtlSeconds ?? 86_400;

  return {
    async issueAccessToken(request) {
      const key = options.keyRing.activeKey;
      if (key?.privateKey === undefined) {
        throw new AuthError(
          'INVALID_CONFIG',
          'The key ring has no active signing key; add or rotate in a private key.',
        );
      }
      const ttl = request.ttlSeconds ?? defaultTtl;
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > maxTtl) {
        throw new AuthError('INVALID_CONFIG', `ttlSeconds must be an integer from 1 to ${maxTtl}, got ${ttl}.`);
      }
      if (request.subject === '') throw new AuthError('INVALID_CONFIG', 'subject must not be empty.');
      const audience = typeof request.audience === 'string' ? request.audience : [...request.audience];
      if (audience.length === 0) throw new AuthError('INVALID_CONFIG', 'audience must not be empty.');
      const extra = request.claims ?? {};
      const clash = RESERVED_CLAIMS.filter((claim) => claim in extra);
      if (clash.length > 0) {
        throw new AuthError('INVALID_CONFIG', `claims must not set ${clash.join(', ')}; use the dedicated options.`);
      }
      const jti = randomUUID();
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = { ...extra };
      if (request.scopes !== undefined && request.scopes.length > 0) payload.scope = formatScopes(request.scopes);
      if (request.roles !== undefined && request.roles.length > 0) payload.roles = [...new Set(request.roles)];
      if (request.clientId !== undefined) payload.client_id = request.clientId;
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(options.issuer)
        .setSubject(request.subject)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .setJti(jti)
        .sign(key.privateKey);
      return {
        token,
        jti,
        keyId: key.kid,
        expiresAt: new Date((now + ttl) * 1000),
        expiresIn: ttl,
        tokenType: 'Bearer',
      };
    },
  };
}
