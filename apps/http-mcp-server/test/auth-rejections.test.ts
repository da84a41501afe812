import { createPkcePair } from '@mcs/auth';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthTestServer,
  authorizationUrl,
  type CallbackServer,
  callWhoami,
  obtainTokens,
  postForm,
  registerClient,
  signInAndConsent,
  startAuthServer,
  startCallbackServer,
} from './auth-harness.js';

let server: AuthTestServer;
let callback: CallbackServer;

beforeAll(async () => {
  server = await startAuthServer();
  callback = await startCallbackServer();
});
afterAll(async () => {
  await server?.close();
  await callback?.close();
});

/** Signs a token with the server's own key, with claims and header overridable. */
async function mint(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const key = await importJWK(server.signingJwk as never, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'mcp', client_id: 'c1', jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: String(server.signingJwk.kid), typ: 'at+jwt', ...header })
    .setIssuer(server.origin)
    .setSubject('mallory')
    .setAudience((claims.aud as string | undefined) ?? server.resource)
    .setIssuedAt(now)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
    .sign(key);
}

async function codeFor(clientId: string, redirectUri: string, challenge: string): Promise<string> {
  const redirect = await signInAndConsent(authorizationUrl(server.origin, { clientId, redirectUri, challenge }));
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code: ${redirect}`);
  return code;
}

function expectInvalidToken(result: { status: number; wwwAuthenticate: string | null }, origin = server.origin) {
  expect(result.status).toBe(401);
  expect(result.wwwAuthenticate).toContain('error="invalid_token"');
  expect(result.wwwAuthenticate).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
}

describe('authorization code rejections', () => {
  it('wrong PKCE verifier: invalid_grant', async () => {
    const clientId = await registerClient(server.origin, [callback.redirectUri]);
    const pkce = createPkcePair();
    const code = await codeFor(clientId, callback.redirectUri, pkce.challenge);
    const answer = await postForm(server.origin, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: callback.redirectUri,
      code_verifier: createPkcePair().verifier,
      client_id: clientId,
    });
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('reused code: the second redemption fails and revokes what the first one got', async () => {
    const clientId = await registerClient(server.origin, [callback.redirectUri]);
    const pkce = createPkcePair();
    const code = await codeFor(clientId, callback.redirectUri, pkce.challenge);
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: callback.redirectUri,
      code_verifier: pkce.verifier,
      client_id: clientId,
    };
    const first = await postForm(server.origin, '/token', form);
    expect(first.status).toBe(200);
    expect((await callWhoami(server.origin, `Bearer ${first.body.access_token}`)).status).toBe(200);
    expect(await postForm(server.origin, '/token', form)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${first.body.access_token}`));
  });

  it('redirect URI mismatch: /authorize shows an error and never redirects; /token refuses another redirect_uri', async () => {
    const clientId = await registerClient(server.origin, [callback.redirectUri]);
    const pkce = createPkcePair();
    const evil = authorizationUrl(server.origin, {
      clientId,
      redirectUri: `${callback.redirectUri}/../evil`,
      challenge: pkce.challenge,
    });
    const page = await fetch(evil, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('redirect_uri does not match');

    const code = await codeFor(clientId, callback.redirectUri, pkce.challenge);
    const answer = await postForm(server.origin, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:1/other',
      code_verifier: pkce.verifier,
      client_id: clientId,
    });
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('registration refuses non-loopback http redirect URIs', async () => {
    const response = await fetch(`${server.origin}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://evil.example/cb'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });
});

describe('access token rejections at the MCP endpoints', () => {
  it('token for another audience: 401 invalid_token', async () => {
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${await mint({ aud: 'https://other.example/mcp' })}`));
  });

  it('expired token: 401 invalid_token', async () => {
    const exp = Math.floor(Date.now() / 1000) - 3600;
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${await mint({ exp })}`));
  });

  it('tampered signature: 401 invalid_token', async () => {
    const token = await mint();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'root' }),
    );
    expectInvalidToken(
      await callWhoami(server.origin, `Bearer ${header}.${forged.toString('base64url')}.${signature}`),
    );
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${header}.${payload}.${flipped}`));
  });

  it('alg none: 401 invalid_token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = b64({ alg: 'none', typ: 'at+jwt' });
    const payload = b64({
      iss: server.origin,
      aud: server.resource,
      sub: 'mallory',
      scope: 'mcp',
      client_id: 'c1',
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 300,
    });
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${header}.${payload}.`));
  });

  it('unknown kid: 401 invalid_token', async () => {
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${await mint({}, { kid: 'not-a-key-of-ours' })}`));
  });

  it('revoked jti: 401 invalid_token', async () => {
    const tokens = await obtainTokens(server, callback.redirectUri);
    expect((await callWhoami(server.origin, `Bearer ${tokens.accessToken}`)).status).toBe(200);
    expect(
      (await postForm(server.origin, '/revoke', { token: tokens.accessToken, client_id: tokens.clientId })).status,
    ).toBe(200);
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${tokens.accessToken}`));
  });

  it("missing token: 401 with resource_metadata and scope, on /mcp, /sse, /messages and /http (the legacy SSE routes name /sse's own metadata)", async () => {
    for (const [method, path, resource] of [
      ['POST', '/mcp', 'mcp'],
      ['GET', '/sse', 'sse'],
      ['POST', '/messages?sessionId=x', 'sse'],
      ['POST', '/http', 'mcp'],
    ] as const) {
      const response = await fetch(`${server.origin}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toBe(
        `Bearer resource_metadata="${server.origin}/.well-known/oauth-protected-resource/${resource}", scope="mcp"`,
      );
    }
  });

  it('token in the query string: refused (400), even with a valid header', async () => {
    const tokens = await obtainTokens(server, callback.redirectUri);
    const result = await callWhoami(
      server.origin,
      `Bearer ${tokens.accessToken}`,
      `/http?access_token=${tokens.accessToken}`,
    );
    expect(result.status).toBe(400);
    expect(result.text).toContain('invalid_request');
  });
});

describe('scopes', () => {
  it('missing scope: 403 insufficient_scope naming every required scope', async () => {
    await using scoped = await startAuthServer({ MCS_AUTH_SCOPES: 'mcp,mcp:tools' });
    await using cb = await startCallbackServer();
    const tokens = await obtainTokens(scoped, cb.redirectUri, { scope: 'mcp' });
    const result = await callWhoami(scoped.origin, `Bearer ${tokens.accessToken}`);
    expect(result.status).toBe(403);
    expect(result.wwwAuthenticate).toContain('error="insufficient_scope"');
    expect(result.wwwAuthenticate).toContain('scope="mcp mcp:tools"');
    const full = await obtainTokens(scoped, cb.redirectUri, { scope: 'mcp mcp:tools' });
    expect((await callWhoami(scoped.origin, `Bearer ${full.accessToken}`)).status).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rotation: a used refresh token is replaced; reusing it revokes the whole family', async () => {
    const tokens = await obtainTokens(server, callback.redirectUri);
    const refresh = (refreshToken: string) =>
      postForm(server.origin, '/token', {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: tokens.clientId,
      });
    const second = await refresh(tokens.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(tokens.refreshToken);
    const secondAccess = `Bearer ${second.body.access_token}`;
    expect((await callWhoami(server.origin, secondAccess)).status).toBe(200);

    // The first refresh token again (stolen copy or replay): refused, and the family dies.
    expect(await refresh(tokens.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(String(second.body.refresh_token))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expectInvalidToken(await callWhoami(server.origin, secondAccess));
    expectInvalidToken(await callWhoami(server.origin, `Bearer ${tokens.accessToken}`));
  });
});

describe('revocation and clock tolerance', () => {
  // Verifiers accept a token up to their clock tolerance (30 s by default) past its exp, so a revoked
  // jti must stay on the list at least that long: it was kept only until exp, and a revoked token
  // was accepted again in that window.
  it('a revoked access token stays refused after its exp, while an unrevoked one is still inside the tolerance', async () => {
    await using shortLived = await startAuthServer({ MCS_ACCESS_TOKEN_TTL_S: '1' });
    await using shortCallback = await startCallbackServer();
    const revoked = await obtainTokens(shortLived, shortCallback.redirectUri);
    const kept = await obtainTokens(shortLived, shortCallback.redirectUri);
    expect(
      (await postForm(shortLived.origin, '/revoke', { token: revoked.accessToken, client_id: revoked.clientId }))
        .status,
    ).toBe(200);
    expectInvalidToken(await callWhoami(shortLived.origin, `Bearer ${revoked.accessToken}`), shortLived.origin);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await callWhoami(shortLived.origin, `Bearer ${kept.accessToken}`)).status).toBe(200);
    expectInvalidToken(await callWhoami(shortLived.origin, `Bearer ${revoked.accessToken}`), shortLived.origin);
  });
});
