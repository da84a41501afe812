import { exportSPKI } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertScopes,
  createKeyRing,
  createTokenVerifier,
  generateSigningKey,
  type KeyRing,
  type TokenVerifier,
} from '../src/index.js';
import { expectAuthError } from './expect-auth-error.js';
import { AUDIENCE, base64urlJson, hmacConfusionToken, ISSUER, nowSeconds, signWith, unsignedToken } from './helpers.js';

let keyRing: KeyRing;
let verifier: TokenVerifier;
const revoked = new Set<string>();

beforeAll(async () => {
  keyRing = createKeyRing({ keys: [await generateSigningKey({ kid: 'main' })] });
  verifier = createTokenVerifier({
    jwks: keyRing,
    issuer: ISSUER,
    audience: AUDIENCE,
    revocation: { isTokenRevoked: async (jti) => revoked.has(jti) },
  });
});

const key = () => keyRing.get('main')!;

describe('token rejections', () => {
  it('accepts a valid token (baseline for the cases below)', async () => {
    await expect(verifier.verify(await signWith(key()))).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('rejects a missing token', async () => {
    await expectAuthError(verifier.verify(undefined), 'TOKEN_MISSING');
    await expectAuthError(verifier.verify(''), 'TOKEN_MISSING');
  });

  it('rejects garbage', async () => {
    await expectAuthError(verifier.verify('not-a-jwt'), 'TOKEN_MALFORMED');
    await expectAuthError(verifier.verify('a.b.c'), 'TOKEN_MALFORMED');
    await expectAuthError(verifier.verify(`${'a'.repeat(20_000)}.b.c`), 'TOKEN_MALFORMED');
  });

  it('rejects an expired token', async () => {
    const now = nowSeconds();
    const error = await expectAuthError(
      verifier.verify(await signWith(key(), { iat: now - 7200, exp: now - 3600 })),
      'TOKEN_EXPIRED',
    );
    expect(error.httpStatus).toBe(401);
    expect(error.grpcStatus).toBe('UNAUTHENTICATED');
  });

  it('accepts a token expired within the clock tolerance', async () => {
    const now = nowSeconds();
    await expect(verifier.verify(await signWith(key(), { exp: now - 5 }))).resolves.toMatchObject({
      subject: 'user-1',
    });
  });

  it('rejects a token whose nbf is in the future beyond the skew', async () => {
    await expectAuthError(verifier.verify(await signWith(key(), { nbf: nowSeconds() + 600 })), 'TOKEN_NOT_YET_VALID');
  });

  it('rejects a token for another audience', async () => {
    const error = await expectAuthError(
      verifier.verify(await signWith(key(), { aud: 'https://other.example/mcp' })),
      'AUDIENCE_MISMATCH',
    );
    expect(error.message).toContain(AUDIENCE);
  });

  it('rejects a token from another issuer', async () => {
    await expectAuthError(verifier.verify(await signWith(key(), { iss: 'https://evil.example' })), 'ISSUER_MISMATCH');
  });

  it('rejects a token without sub', async () => {
    await expectAuthError(verifier.verify(await signWith(key(), { sub: undefined })), 'CLAIM_INVALID');
  });

  it('rejects a tampered payload', async () => {
    const [header, , signature] = (await signWith(key(), { scope: 'read' })).split('.');
    const now = nowSeconds();
    const forged = base64urlJson({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      iat: now,
      exp: now + 3600,
      jti: 'jti-1',
      scope: 'admin',
    });
    await expectAuthError(verifier.verify(`${header}.${forged}.${signature}`), 'SIGNATURE_INVALID');
  });

  it('rejects a tampered signature', async () => {
    const [header, payload, signature] = (await signWith(key())).split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await expectAuthError(verifier.verify(`${header}.${payload}.${bytes.toString('base64url')}`), 'SIGNATURE_INVALID');
  });

  it('rejects alg "none" before any key lookup', async () => {
    const error = await expectAuthError(verifier.verify(unsignedToken('main')), 'ALGORITHM_NOT_ALLOWED');
    expect(error.message).toContain('"none"');
  });

  it('rejects an HS256 token signed with the public key bytes (key confusion)', async () => {
    const publicPem = await exportSPKI(key().publicKey);
    await expectAuthError(verifier.verify(hmacConfusionToken('main', publicPem)), 'ALGORITHM_NOT_ALLOWED');
    const publicJwkBytes = JSON.stringify(key().publicJwk);
    await expectAuthError(verifier.verify(hmacConfusionToken('main', publicJwkBytes)), 'ALGORITHM_NOT_ALLOWED');
  });

  it('rejects an allowed alg that does not match the key (EdDSA header on a P-256 kid)', async () => {
    const other = await generateSigningKey({ alg: 'EdDSA', kid: 'main' });
    await expectAuthError(verifier.verify(await signWith(other)), 'UNKNOWN_KEY');
  });

  it('ignores a key embedded in the token header (jwk / jku) and looks up its own keys only', async () => {
    const attacker = await generateSigningKey({ kid: 'attacker' });
    const forged = await signWith(
      attacker,
      { sub: 'admin' },
      { jwk: attacker.publicJwk, jku: 'https://evil.example/jwks' },
    );
    await expectAuthError(verifier.verify(forged), 'UNKNOWN_KEY');
    const sameKid = await generateSigningKey({ kid: 'main' });
    await expectAuthError(
      verifier.verify(await signWith(sameKid, {}, { jwk: sameKid.publicJwk })),
      'SIGNATURE_INVALID',
    );
  });

  it('rejects an unknown kid', async () => {
    const stranger = await generateSigningKey({ kid: 'stranger' });
    await expectAuthError(verifier.verify(await signWith(stranger)), 'UNKNOWN_KEY');
  });

  it('rejects a revoked jti', async () => {
    revoked.add('revoked-jti');
    await expectAuthError(verifier.verify(await signWith(key(), { jti: 'revoked-jti' })), 'TOKEN_REVOKED');
  });

  it('requires a jti when revocation is configured', async () => {
    await expectAuthError(verifier.verify(await signWith(key(), { jti: undefined })), 'CLAIM_INVALID');
  });

  it('fails closed when the revocation check throws', async () => {
    const failing = createTokenVerifier({
      jwks: keyRing,
      issuer: ISSUER,
      audience: AUDIENCE,
      revocation: {
        isTokenRevoked: async () => {
          throw new Error('store down');
        },
      },
    });
    const error = await expectAuthError(failing.verify(await signWith(key())), 'REVOCATION_CHECK_FAILED');
    expect(error.grpcStatus).toBe('UNAVAILABLE');
  });

  it('rejects a token missing a required scope, naming every required scope', async () => {
    const principal = await verifier.verify(await signWith(key(), { scope: 'mcp:read' }));
    let caught: unknown;
    try {
      assertScopes(principal.scopes, ['mcp:read', 'mcp:write', 'mcp:admin']);
    } catch (error) {
      caught = error;
    }
    await expectAuthError(Promise.reject(caught), 'INSUFFICIENT_SCOPE');
    expect((caught as { requiredScopes: string[] }).requiredScopes).toEqual(['mcp:read', 'mcp:write', 'mcp:admin']);
    expect((caught as Error).message).toContain('"mcp:write", "mcp:admin"');
  });

  it('checks typ when configured', async () => {
    const strict = createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' });
    await expectAuthError(strict.verify(await signWith(key(), {}, { typ: 'JWT' })), 'CLAIM_INVALID');
    await expect(strict.verify(await signWith(key(), {}, { typ: 'at+jwt' }))).resolves.toMatchObject({
      subject: 'user-1',
    });
  });
});

describe('verifier options', () => {
  it('refuses HS256 and none in the allow list', () => {
    expect(() =>
      createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256' as 'ES256'] }),
    ).toThrow(/Invalid token verifier options/);
    expect(() =>
      createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE, algorithms: ['none' as 'ES256'] }),
    ).toThrow(/Invalid token verifier options/);
  });

  it('bounds the clock tolerance', () => {
    expect(() =>
      createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 3600 }),
    ).toThrow(/clockToleranceSeconds/);
  });

  it('refuses a local JWKS holding private or symmetric keys', () => {
    expect(() =>
      createTokenVerifier({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, issuer: ISSUER, audience: AUDIENCE }),
    ).toThrow(/public keys only/);
  });

  it('verifies against a static JWKS document', async () => {
    const fromDocument = createTokenVerifier({ jwks: keyRing.jwks(), issuer: ISSUER, audience: AUDIENCE });
    await expect(fromDocument.verify(await signWith(key()))).resolves.toMatchObject({ subject: 'user-1' });
    const stranger = await generateSigningKey({ kid: 'stranger' });
    await expectAuthError(fromDocument.verify(await signWith(stranger)), 'UNKNOWN_KEY');
  });
});
