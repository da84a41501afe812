import { createPkcePair } from '@mcs/auth';
import { startRedisServer } from '@mcs/test-utils';
import {
  auth,
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  SSEClientTransport,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  type AuthTestServer,
  authorizationUrl,
  callWhoami,
  postForm,
  registerClient,
  signInAndConsent,
  startAuthServer,
  startCallbackServer,
  USER,
} from './auth-harness.js';

/** An OAuth client provider as an app would write one, with the user's browser played by the test. */
class TestOAuthProvider implements OAuthClientProvider {
  info: StoredOAuthClientInformation | undefined;
  saved: StoredOAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  authorizationUrls: URL[] = [];

  constructor(readonly redirectUri: string) {}

  get redirectUrl() {
    return this.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'sdk e2e',
      redirect_uris: [this.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

function whoamiOf(result: unknown): { authenticated: boolean; identity: { subject: string; clientId?: string } } {
  return (result as { structuredContent: never }).structuredContent;
}

async function fullFlow(server: AuthTestServer) {
  await using callback = await startCallbackServer();
  const provider = new TestOAuthProvider(callback.redirectUri);
  const mcpUrl = new URL(server.resource);

  // 1. No token: 401 -> the SDK discovers the metadata from WWW-Authenticate, registers, and sends the user off.
  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  await expect(new Client({ name: 'e2e', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.info?.client_id).toMatch(/^mcs-/);
  const authorizationUrl = provider.authorizationUrls.at(-1);
  expect(authorizationUrl?.origin).toBe(server.origin);
  expect(authorizationUrl?.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorizationUrl?.searchParams.get('resource')).toBe(server.resource);

  // 2. The browser: sign in + consent, follow the redirect to the app's loopback callback.
  const redirect = await signInAndConsent(authorizationUrl as URL);
  await fetch(redirect);
  const params = callback.received.at(-1);
  expect(params?.get('iss')).toBe(server.origin);
  expect(params?.get('state')).toBe(authorizationUrl?.searchParams.get('state'));
  await first.finishAuth(params as URLSearchParams);
  expect(provider.saved?.refresh_token).toBeTruthy();

  // 3. Authenticated tools/call: whoami names the user who signed in.
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  const me = whoamiOf(await client.callTool({ name: 'whoami', arguments: {} }));
  expect(me).toMatchObject({
    authenticated: true,
    identity: { subject: USER.name, clientId: provider.info?.client_id },
  });

  // 4. Refresh: the SDK's auth() uses the refresh token; the new access token works, the old refresh token is spent.
  const before = provider.saved as StoredOAuthTokens;
  expect(await auth(provider, { serverUrl: mcpUrl })).toBe('AUTHORIZED');
  const after = provider.saved as StoredOAuthTokens;
  expect(after.access_token).not.toBe(before.access_token);
  expect(after.refresh_token).not.toBe(before.refresh_token);
  const refreshed = new Client({ name: 'e2e', version: '1.0.0' });
  await refreshed.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  expect(whoamiOf(await refreshed.callTool({ name: 'whoami', arguments: {} })).identity.subject).toBe(USER.name);

  // 5. Revocation: the revoked access token gets 401; revoking the refresh token ends the grant.
  const clientId = provider.info?.client_id as string;
  expect((await postForm(server.origin, '/revoke', { token: after.access_token, client_id: clientId })).status).toBe(
    200,
  );
  const revoked = await callWhoami(server.origin, `Bearer ${after.access_token}`, '/mcp');
  expect(revoked.status).toBe(401);
  expect(revoked.wwwAuthenticate).toContain('error="invalid_token"');
  expect(
    (await postForm(server.origin, '/revoke', { token: after.refresh_token as string, client_id: clientId })).status,
  ).toBe(200);
  const again = await postForm(server.origin, '/token', {
    grant_type: 'refresh_token',
    refresh_token: after.refresh_token as string,
    client_id: clientId,
  });
  expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  await client.close();
  await refreshed.close();
  return provider;
}

describe('end to end with the SDK client OAuth support', () => {
  it('in-memory store: discovery from a 401, registration, code + PKCE, tools/call, refresh, revocation', async () => {
    await using server = await startAuthServer();
    await fullFlow(server);
  });

  it('Redis store (rate limits in Redis too): the same flow', async () => {
    await using redis = await startRedisServer();
    await using server = await startAuthServer({ REDIS_URL: redis.url });
    await fullFlow(server);
    // The counters of the rate limits live in Redis, shared by every replica.
    const client = new Redis(redis.url);
    try {
      expect((await client.keys('mcs:ratelimit:*')).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('the 2024-11-05 HTTP+SSE transport carries the identity too', async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    const provider = new TestOAuthProvider(callback.redirectUri);
    await expect(
      new Client({ name: 'e2e', version: '1.0.0' }).connect(
        new StreamableHTTPClientTransport(new URL(server.resource), { authProvider: provider }),
      ),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    await fetch(await signInAndConsent(provider.authorizationUrls.at(-1) as URL));
    const params = callback.received.at(-1) as URLSearchParams;
    await auth(provider, {
      serverUrl: new URL(server.resource),
      authorizationCode: params.get('code') as string,
      iss: params.get('iss') as string,
    });
    const token = provider.saved?.access_token as string;
    const client = new Client({ name: 'sse', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL(`${server.origin}/sse`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    expect(whoamiOf(await client.callTool({ name: 'whoami', arguments: {} })).identity.subject).toBe(USER.name);
    await client.close();
  });
});

describe('the 2024-11-05 HTTP+SSE transport as a protected resource of its own', () => {
  it("the SDK's SSE client signs in from /sse's 401: /sse metadata, resource /sse, the token works on /sse and /messages", async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    const sseUrl = new URL(`${server.origin}/sse`);
    // The challenge on /sse (and on its /messages) names /sse's own metadata, whose resource is /sse:
    // the SDK refuses metadata whose resource is not a prefix of the URL it connects to.
    for (const path of ['/sse', '/messages?sessionId=x']) {
      const refused = await fetch(new URL(path, server.origin), { method: path === '/sse' ? 'GET' : 'POST' });
      await refused.body?.cancel();
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain(
        `resource_metadata="${server.origin}/.well-known/oauth-protected-resource/sse"`,
      );
    }
    const provider = new TestOAuthProvider(callback.redirectUri);
    await expect(
      new Client({ name: 'sse', version: '1.0.0' }).connect(new SSEClientTransport(sseUrl, { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = provider.authorizationUrls.at(-1) as URL;
    expect(authorizationUrl.searchParams.get('resource')).toBe(`${server.origin}/sse`);
    await fetch(await signInAndConsent(authorizationUrl));
    const params = callback.received.at(-1) as URLSearchParams;
    expect(
      await auth(provider, {
        serverUrl: sseUrl,
        authorizationCode: params.get('code') as string,
        iss: params.get('iss') as string,
      }),
    ).toBe('AUTHORIZED');
    const client = new Client({ name: 'sse', version: '1.0.0' });
    await client.connect(new SSEClientTransport(sseUrl, { authProvider: provider }));
    expect(whoamiOf(await client.callTool({ name: 'whoami', arguments: {} })).identity.subject).toBe(USER.name);
    await client.close();
    // One server: a token for /sse is accepted on /mcp's routes too.
    const onHttp = await callWhoami(server.origin, `Bearer ${provider.saved?.access_token}`);
    expect(onHttp.status).toBe(200);
  });

  it('an authorization request for a resource that is not ours is refused with invalid_target naming both', async () => {
    await using server = await startAuthServer();
    const prm = await (await fetch(`${server.origin}/.well-known/oauth-protected-resource/sse`)).json();
    expect(prm).toMatchObject({ resource: `${server.origin}/sse`, authorization_servers: [server.origin] });
    const clientId = await registerClient(server.origin, ['http://127.0.0.1:1/cb']);
    const refused = await fetch(
      authorizationUrl(server.origin, {
        clientId,
        redirectUri: 'http://127.0.0.1:1/cb',
        challenge: createPkcePair().challenge,
        resource: `${server.origin}/other`,
      }),
      { redirect: 'manual' },
    );
    const location = new URL(refused.headers.get('location') as string);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('error_description')).toBe(
      `resource must be ${server.origin}/mcp or ${server.origin}/sse`,
    );
  });
});

describe('metadata', () => {
  it('RFC 9728 and RFC 8414 documents', async () => {
    await using server = await startAuthServer();
    const prm = await (await fetch(`${server.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(prm).toEqual({
      resource: server.resource,
      authorization_servers: [server.origin],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
      resource_name: 'MCS MCP server',
    });
    const as = await (await fetch(`${server.origin}/.well-known/oauth-authorization-server`)).json();
    expect(as).toMatchObject({
      issuer: server.origin,
      authorization_endpoint: `${server.origin}/authorize`,
      token_endpoint: `${server.origin}/token`,
      registration_endpoint: `${server.origin}/register`,
      revocation_endpoint: `${server.origin}/revoke`,
      jwks_uri: `${server.origin}/jwks.json`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: ['none'],
    });
    const jwks = (await (await fetch(`${server.origin}/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: server.signingJwk.kid, kty: 'EC' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    // Browser clients: CORS preflight on the registration endpoint.
    const preflight = await fetch(`${server.origin}/register`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
  });
});
