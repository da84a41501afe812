import { describe, expect, it } from 'vitest';
import {
  createKeyRing,
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  type SigningAlgorithm,
} from '../src/index.js';
import { expectAuthError } from './expect-auth-error.js';
import { AUDIENCE, ISSUER, signWith } from './helpers.js';

describe.each<SigningAlgorithm>(['ES256', 'EdDSA'])('issue and verify with %s', (alg) => {
  it('round-trips subject, audience, scopes, roles, client id and jti', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey({ alg })] });
    const issuer = createTokenIssuer({ issuer: ISSUER, keyRing });
    const verifier = createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE });
    const issued = await issuer.issueAccessToken({
      subject: 'alice',
      audience: AUDIENCE,
      scopes: ['mcp:tools', 'mcp:resources'],
      roles: ['admin'],
      clientId: 'cli',
      ttlSeconds: 120,
    });
    expect(issued.keyId).toBe(keyRing.activeKey?.kid);
    const principal = await verifier.verify(issued.token);
    expect(principal).toMatchObject({
      subject: 'alice',
      scopes: ['mcp:tools', 'mcp:resources'],
      roles: ['admin'],
      clientId: 'cli',
      audience: [AUDIENCE],
      issuer: ISSUER,
      jti: issued.jti,
    });
    expect(principal.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
    expect(principal.claims.client_id).toBe('cli');
  });

  it('gives every token its own jti', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey({ alg })] });
    const issuer = createTokenIssuer({ issuer: ISSUER, keyRing });
    const first = await issuer.issueAccessToken({ subject: 'a', audience: AUDIENCE });
    const second = await issuer.issueAccessToken({ subject: 'a', audience: AUDIENCE });
    expect(first.jti).not.toBe(second.jti);
  });
});

describe('issuer input checks', () => {
  it('refuses reserved claims, out-of-range TTLs and an empty audience', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey()] });
    const issuer = createTokenIssuer({ issuer: ISSUER, keyRing, maxTtlSeconds: 600 });
    await expectAuthError(
      issuer.issueAccessToken({ subject: 'a', audience: AUDIENCE, claims: { sub: 'root' } }),
      'INVALID_CONFIG',
    );
    await expectAuthError(
      issuer.issueAccessToken({ subject: 'a', audience: AUDIENCE, ttlSeconds: 601 }),
      'INVALID_CONFIG',
    );
    await expectAuthError(issuer.issueAccessToken({ subject: 'a', audience: [] }), 'INVALID_CONFIG');
    expect(() => createTokenIssuer({ issuer: 'not a url', keyRing })).toThrow(/must be a URL/);
  });

  it('cannot sign with a verification-only ring', async () => {
    const key = await generateSigningKey();
    const publicOnly = createKeyRing({ keys: [{ ...key, privateKey: undefined }] });
    const issuer = createTokenIssuer({ issuer: ISSUER, keyRing: publicOnly });
    await expectAuthError(issuer.issueAccessToken({ subject: 'a', audience: AUDIENCE }), 'INVALID_CONFIG');
  });
});

describe('key rotation', () => {
  it('signs with the new key and keeps verifying tokens of the old key until it is retired', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey({ kid: 'k1' })] });
    const issuer = createTokenIssuer({ issuer: ISSUER, keyRing });
    const verifier = createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE });
    const old = await issuer.issueAccessToken({ subject: 'alice', audience: AUDIENCE });
    await keyRing.rotate({ kid: 'k2', alg: 'EdDSA' });
    const fresh = await issuer.issueAccessToken({ subject: 'alice', audience: AUDIENCE });
    expect([old.keyId, fresh.keyId]).toEqual(['k1', 'k2']);
    expect(keyRing.jwks().keys.map((key) => key.kid)).toEqual(['k1', 'k2']);
    await expect(verifier.verify(old.token)).resolves.toMatchObject({ subject: 'alice' });
    await expect(verifier.verify(fresh.token)).resolves.toMatchObject({ subject: 'alice' });

    keyRing.retire('k1');
    expect(keyRing.jwks().keys.map((key) => key.kid)).toEqual(['k2']);
    await expectAuthError(verifier.verify(old.token), 'UNKNOWN_KEY');
    await expect(verifier.verify(fresh.token)).resolves.toMatchObject({ subject: 'alice' });
  });

  it('expires the previous key by itself with retirePreviousAfterSeconds', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey({ kid: 'k1' })] });
    const verifier = createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE });
    const token = await signWith(keyRing.get('k1')!);
    await keyRing.rotate({ kid: 'k2', retirePreviousAfterSeconds: 0 });
    expect(keyRing.get('k1')).toBeUndefined();
    await expectAuthError(verifier.verify(token), 'UNKNOWN_KEY');
  });

  it('refuses to retire the active key', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey({ kid: 'k1' })] });
    expect(() => keyRing.retire('k1')).toThrow(/active key/);
  });
});
