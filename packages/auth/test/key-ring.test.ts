import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createKeyRing,
  createTokenIssuer,
  createTokenVerifier,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  loadKeyRing,
} from '../src/index.js';
import { AUDIENCE, ISSUER } from './helpers.js';

async function roundTrip(ring: Awaited<ReturnType<typeof loadKeyRing>>): Promise<string> {
  const issued = await createTokenIssuer({ issuer: ISSUER, keyRing: ring }).issueAccessToken({
    subject: 's',
    audience: AUDIENCE,
  });
  const principal = await createTokenVerifier({ jwks: ring, issuer: ISSUER, audience: AUDIENCE }).verify(issued.token);
  return principal.subject;
}

describe('signing keys and key ring config', () => {
  it('defaults kid to the RFC 7638 thumbprint and publishes public members only', async () => {
    const key = await generateSigningKey();
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const jwks = createKeyRing({ keys: [key] }).jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: key.kid, alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('loads private keys from PEM (PKCS#8 and SEC1) and from JWK JSON strings', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const exported = await exportSigningKey(await generateSigningKey({ alg: 'EdDSA', kid: 'from-json' }));
    const ring = await loadKeyRing({
      keys: [
        { kid: 'pkcs8', privateKey: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
        { kid: 'sec1', privateKey: ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string },
        { kid: 'ed', privateKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
        { privateKey: JSON.stringify(exported) },
      ],
    });
    expect(ring.keys().map((key) => [key.kid, key.alg])).toEqual([
      ['pkcs8', 'ES256'],
      ['sec1', 'ES256'],
      ['ed', 'EdDSA'],
      ['from-json', 'EdDSA'],
    ]);
    expect(ring.activeKey?.kid).toBe('from-json');
    expect(await roundTrip(ring)).toBe('s');
  });

  it('persists a ring through exportConfig and loads it back with the same keys', async () => {
    const ring = createKeyRing({ keys: [await generateSigningKey({ kid: 'a' })] });
    await ring.rotate({ kid: 'b', alg: 'EdDSA' });
    // As it would travel through an env var such as MCS_AUTH_SIGNING_KEYS.
    const restored = await loadKeyRing(JSON.stringify(await ring.exportConfig()));
    expect(restored.activeKey?.kid).toBe('b');
    expect(restored.jwks()).toEqual(ring.jwks());
  });

  it('keeps verification-only keys out of signing', async () => {
    const old = await generateSigningKey({ kid: 'old' });
    const current = await generateSigningKey({ kid: 'current' });
    const ring = await loadKeyRing({
      keys: [{ publicKey: old.publicJwk }, { privateKey: await exportSigningKey(current) }],
    });
    expect(ring.get('old')?.privateKey).toBeUndefined();
    expect(ring.activeKey?.kid).toBe('current');
    expect(() => ring.activate('old')).toThrow(/no private key/);
  });

  it('drops keys past expiresAt', async () => {
    const key = await generateSigningKey({ kid: 'x' });
    const ring = await loadKeyRing({
      keys: [
        { publicKey: key.publicJwk, expiresAt: '2001-01-01T00:00:00Z' },
        { privateKey: await exportSigningKey(await generateSigningKey({ kid: 'y' })) },
      ],
    });
    expect(ring.get('x')).toBeUndefined();
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual(['y']);
  });

  it('rejects unsupported or inconsistent key material with clear errors', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(
      loadKeyRing({ keys: [{ privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }] }),
    ).rejects.toThrow(/only P-256 EC \(ES256\) and Ed25519/);
    const ec = await exportSigningKey(await generateSigningKey());
    await expect(importSigningKey({ privateKey: ec, alg: 'EdDSA' })).rejects.toThrow(/signs ES256, not EdDSA/);
    await expect(importSigningKey({ publicKey: ec })).rejects.toThrow(/publicKey holds a private key/);
    await expect(loadKeyRing({ keys: [{}] })).rejects.toThrow(/exactly one of privateKey or publicKey/);
    await expect(loadKeyRing('{not json')).rejects.toThrow(/not valid JSON/);
    await expect(loadKeyRing({ keys: [{ privateKey: 'not a key' }] })).rejects.toThrow(/neither a JWK/);
    const dup = await generateSigningKey({ kid: 'same' });
    expect(() => createKeyRing({ keys: [dup, dup] })).toThrow(/Duplicate kid/);
  });
});
