import { afterEach, describe, expect, it } from 'vitest';
import { createKeyRing, createTokenVerifier, generateSigningKey, type KeyRing } from '../src/index.js';
import { expectAuthError } from './expect-auth-error.js';
import { AUDIENCE, ISSUER, signWith } from './helpers.js';
import { type JwksServer, startJwksServer } from './jwks-server.js';

let server: JwksServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(): Promise<{ keyRing: KeyRing; jwksServer: JwksServer }> {
  const keyRing = createKeyRing({ keys: [await generateSigningKey({ kid: 'k1' })] });
  server = await startJwksServer(keyRing.jwks());
  return { keyRing, jwksServer: server };
}

describe('remote JWKS', () => {
  it('fetches once and serves later verifications from the cache', async () => {
    const { keyRing, jwksServer } = await setup();
    const verifier = createTokenVerifier({ jwks: { url: jwksServer.url }, issuer: ISSUER, audience: AUDIENCE });
    for (let i = 0; i < 5; i += 1) {
      await expect(verifier.verify(await signWith(keyRing.activeKey!, { sub: `user-${i}` }))).resolves.toMatchObject({
        subject: `user-${i}`,
      });
    }
    expect(jwksServer.requests).toBe(1);
  });

  it('refetches on an unknown kid once the cooldown has passed (rotation at the issuer)', async () => {
    const { keyRing, jwksServer } = await setup();
    const verifier = createTokenVerifier({
      jwks: { url: jwksServer.url, cooldownMs: 0 },
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await verifier.verify(await signWith(keyRing.activeKey!));
    const next = await keyRing.rotate({ kid: 'k2' });
    jwksServer.setJwks(keyRing.jwks());
    await expect(verifier.verify(await signWith(next))).resolves.toMatchObject({ subject: 'user-1' });
    expect(jwksServer.requests).toBe(2);
  });

  it('does not refetch for an unknown kid within the cooldown (no fetch amplification)', async () => {
    const { keyRing, jwksServer } = await setup();
    const verifier = createTokenVerifier({
      jwks: { url: jwksServer.url, cooldownMs: 60_000 },
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await verifier.verify(await signWith(keyRing.activeKey!));
    const stranger = await generateSigningKey({ kid: 'stranger' });
    for (let i = 0; i < 3; i += 1) await expectAuthError(verifier.verify(await signWith(stranger)), 'UNKNOWN_KEY');
    expect(jwksServer.requests).toBe(1);
  });

  it('reports JWKS_UNAVAILABLE when the JWKS server is down', async () => {
    const { keyRing, jwksServer } = await setup();
    const url = jwksServer.url;
    await jwksServer.close();
    server = undefined;
    const verifier = createTokenVerifier({ jwks: { url, timeoutMs: 2_000 }, issuer: ISSUER, audience: AUDIENCE });
    const error = await expectAuthError(verifier.verify(await signWith(keyRing.activeKey!)), 'JWKS_UNAVAILABLE');
    expect(error.httpStatus).toBe(503);
    expect(error.grpcStatus).toBe('UNAVAILABLE');
    expect(error.message).toContain(url);
  });

  it('reports JWKS_UNAVAILABLE when the JWKS endpoint answers with an error status', async () => {
    const { keyRing, jwksServer } = await setup();
    jwksServer.failWith(500);
    const verifier = createTokenVerifier({ jwks: { url: jwksServer.url }, issuer: ISSUER, audience: AUDIENCE });
    await expectAuthError(verifier.verify(await signWith(keyRing.activeKey!)), 'JWKS_UNAVAILABLE');
    jwksServer.failWith(undefined);
    await expect(verifier.verify(await signWith(keyRing.activeKey!))).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('rejects a disallowed alg without contacting the JWKS endpoint', async () => {
    const { jwksServer } = await setup();
    const verifier = createTokenVerifier({ jwks: { url: jwksServer.url }, issuer: ISSUER, audience: AUDIENCE });
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k1' })).toString('base64url');
    await expectAuthError(verifier.verify(`${header}.e30.c2ln`), 'ALGORITHM_NOT_ALLOWED');
    expect(jwksServer.requests).toBe(0);
  });

  it('requires https for a non-loopback JWKS url', () => {
    expect(() =>
      createTokenVerifier({ jwks: { url: 'http://idp.example/jwks.json' }, issuer: ISSUER, audience: AUDIENCE }),
    ).toThrow(/https/);
    expect(() =>
      createTokenVerifier({
        jwks: { url: 'http://keycloak:8080/jwks.json', allowInsecureHttp: true },
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).not.toThrow();
  });
});
