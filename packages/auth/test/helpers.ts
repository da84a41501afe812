// Shared by the tests: a signer that sets any claim or header, so rejections can be built from real keys.
import { createHmac } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import type { SigningKey } from '../src/index.js';

export const ISSUER = 'https://auth.test.local';
export const AUDIENCE = 'https://mcp.test.local/mcp';

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A token signed by `key` with full control over claims (defaults: valid for an hour). */
export async function signWith(
  key: SigningKey,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds();
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: now,
    exp: now + 3600,
    jti: 'jti-1',
    ...claims,
  };
  if (key.privateKey === undefined) throw new Error('test key has no private half');
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

export function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** `alg: none`, built by hand: header.payload. with an empty signature. */
export function unsignedToken(kid: string, claims: JWTPayload = {}): string {
  const now = nowSeconds();
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 3600, ...claims };
  return `${base64urlJson({ alg: 'none', kid })}.${base64urlJson(payload)}.`;
}

/** HS256 with the public key's bytes as the HMAC secret: the classic key-confusion forgery. */
export function hmacConfusionToken(kid: string, secret: string | Buffer): string {
  const now = nowSeconds();
  const signingInput = `${base64urlJson({ alg: 'HS256', kid, typ: 'JWT' })}.${base64urlJson({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'admin',
    iat: now,
    exp: now + 3600,
  })}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}
