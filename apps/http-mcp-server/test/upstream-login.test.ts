import { createSecretBox } from '@mcs/auth';
import { createSessionStore } from '@mcs/session-store';
import { getFreePort, type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../src/tools/service/mask-secrets.js';
import { upstreamUserOfRequest } from '../src/upstream/upstream-request.js';
import { post } from './helpers/raw-mcp.js';
import {
  CLIENT_ID,
  call,
  connectSessionClient,
  reserveServerOrigin,
  signInUpstream,
  startTestApi,
  startTestProvider,
  startUpstreamTestServer,
  type TestApi,
  type TestProvider,
  type ToolResult,
  text,
  type UpstreamTestServer,
} from './upstream-fixtures.js';

const ACCESS_TOKEN_TTL_SECONDS = 2;
const SECRET_KEYS = JSON.stringify({ keys: [{ id: 'test-1', key: Buffer.alloc(32, 7).toString('base64') }] });

let redis: RedisServerHandle;
let provider: TestProvider;
let api: TestApi;
let server: UpstreamTestServer;
let serverEnv: Record<string, string>;

beforeAll(async () => {
  redis = await startRedisServer();
  const reserved = await reserveServerOrigin();
  provider = await startTestProvider({
    redirectUri: reserved.callbackUrl,
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
  });
  api = await startTestApi(provider.issuer);
  serverEnv = {
    REDIS_URL: redis.url,
    MCS_SERVICE_BASE_URL: api.url,
    MCS_UPSTREAM_ISSUER: provider.issuer,
    MCS_UPSTREAM_CLIENT_ID: CLIENT_ID,
    MCS_UPSTREAM_SCOPES: 'openid offline_access api:read',
    MCS_SECRET_KEYS: SECRET_KEYS,
  };
  server = await startUpstreamTestServer(reserved, serverEnv);
}, 30_000);

afterAll(async () => {
  await server?.close();
  await api?.close();
  await provider?.close();
  await redis?.stop();
});

/** login tool -> browser at the provider -> the callback URL (not yet visited). */
async function loginAs(client: Client, user: string): Promise<string> {
  const login = await call(client, 'login');
  expect(login.isError).toBeFalsy();
  const url = String(login.structuredContent?.authorizationUrl);
  return signInUpstream(url, server.callbackUrl, user);
}

describe('upstream login flow (oidc-provider upstream, Redis store)', () => {
  it('login -> callback -> whoami -> service -> refresh after expiry -> logout -> service refuses', {
    timeout: 30_000,
  }, async () => {
    const { client, sessionId } = await connectSessionClient(server.origin);
    const store = createSessionStore({ redisUrl: redis.url });
    try {
      const login = await call(client, 'login');
      const authorizationUrl = new URL(String(login.structuredContent?.authorizationUrl));
      expect(authorizationUrl.origin).toBe(provider.issuer);
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationUrl.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(server.callbackUrl);
      expect(authorizationUrl.searchParams.get('state')).toBeTruthy();
      expect(authorizationUrl.searchParams.get('nonce')).toBeTruthy();
      expect(login.structuredContent?.boundTo).toBe('session');

      const before = await call(client, 'whoami');
      expect(before.structuredContent?.upstream).toEqual({ issuer: provider.issuer, loggedIn: false });

      const callbackUrl = await signInUpstream(authorizationUrl.href, server.callbackUrl, 'alice');
      const page = await fetch(callbackUrl);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('You can close this page and return to your client');
      expect(html).not.toMatch(/eyJ/); // no JWT on the page

      const who = await call(client, 'whoami');
      const upstream = who.structuredContent?.upstream as Record<string, unknown>;
      expect(upstream).toMatchObject({ issuer: provider.issuer, loggedIn: true, subject: 'alice', refreshable: true });
      expect(upstream.scopes).toEqual(['api:read']); // the access token's scopes (those of the API)
      const expiresAt = Date.parse(String(upstream.expiresAt));
      expect(expiresAt).toBeGreaterThan(Date.now() - 5_000);
      expect(JSON.stringify(who)).not.toMatch(/eyJ/);

      const first = await call(client, 'service', { path: '/me' });
      expect(first.isError).toBeFalsy();
      expect(first.structuredContent).toMatchObject({ status: 200, ok: true });
      const body = first.structuredContent?.body as Record<string, unknown>;
      expect(body.sub).toBe('alice');
      expect(body.echo).toBe(`you sent ${SECRET_MASK}`);
      expect(api.accepted.length).toBeGreaterThan(0);
      const firstToken = api.accepted.at(-1) as string;
      expect(JSON.stringify(first)).not.toContain(firstToken);

      // Past the access token's expiry: the API would refuse it, so the call must refresh first.
      await waitFor(() => Date.now() > expiresAt + 1_000, { timeoutMs: 10_000, what: 'the access token to expire' });
      const refused = api.refused.length;
      const second = await call(client, 'service', { path: '/me' });
      expect(second.structuredContent).toMatchObject({ status: 200, ok: true });
      expect(api.refused.length).toBe(refused);
      const secondToken = api.accepted.at(-1) as string;
      expect(secondToken).not.toBe(firstToken);
      expect(JSON.stringify(second)).not.toContain(secondToken);
      const after = (await call(client, 'whoami')).structuredContent?.upstream as Record<string, unknown>;
      expect(Date.parse(String(after.expiresAt))).toBeGreaterThan(expiresAt);

      // The stored login is sealed; with the operator's keys and the owner's key it opens.
      const user = upstreamUserOfRequest(sessionId, undefined);
      if (user === undefined) throw new Error('no user key');
      const stored = (await store.getApplicationSession(user.storageId)) as { sealed: string };
      const box = createSecretBox(JSON.parse(SECRET_KEYS));
      const { refreshToken } = box.openJson(stored.sealed, { associatedData: user.key }) as { refreshToken: string };
      expect(refreshToken).toBeTruthy();

      const logout = await call(client, 'logout');
      expect(logout.structuredContent).toEqual({ wasLoggedIn: true, revoked: true });
      // Revoked at the provider: the refresh token no longer works there.
      const reuse = await fetch(`${provider.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
      });
      expect(reuse.status).toBe(400);
      expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
      const denied = await call(client, 'service', { path: '/me' });
      expect(denied.isError).toBe(true);
      expect(text(denied)).toContain('call the login tool');
      expect((await call(client, 'whoami')).structuredContent?.upstream).toEqual({
        issuer: provider.issuer,
        loggedIn: false,
      });
      expect((await call(client, 'logout')).structuredContent).toEqual({ wasLoggedIn: false, revoked: false });
    } finally {
      await store.close();
      await client.close();
    }
  });

  it('a login belongs to its session: user B never gets user A credentials', { timeout: 30_000 }, async () => {
    const a = await connectSessionClient(server.origin);
    const b = await connectSessionClient(server.origin);
    try {
      expect(a.sessionId).not.toBe(b.sessionId);
      const page = await fetch(await loginAs(a.client, 'alice'));
      expect(page.status).toBe(200);
      const accepted = api.accepted.length;

      const forB = await call(b.client, 'service', { path: '/me' });
      expect(forB.isError).toBe(true);
      expect(text(forB)).toContain('call the login tool');
      expect(api.accepted.length).toBe(accepted);
      expect((await call(b.client, 'whoami')).structuredContent?.upstream).toMatchObject({ loggedIn: false });

      await fetch(await loginAs(b.client, 'bob'));
      const bodyA = (await call(a.client, 'service', { path: '/me' })).structuredContent?.body as { sub: string };
      const bodyB = (await call(b.client, 'service', { path: '/me' })).structuredContent?.body as { sub: string };
      expect(bodyA.sub).toBe('alice');
      expect(bodyB.sub).toBe('bob');
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  it('the callback refuses a bad, unknown or reused state with a 400 page', { timeout: 30_000 }, async () => {
    const { client } = await connectSessionClient(server.origin);
    try {
      const missing = await fetch(`${server.callbackUrl}?code=abc`);
      expect(missing.status).toBe(400);
      expect(missing.headers.get('content-type')).toContain('text/html');
      const unknown = await fetch(`${server.callbackUrl}?code=abc&state=never-issued`);
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('unknown, expired or already used');

      const callbackUrl = await loginAs(client, 'carol');
      expect((await fetch(callbackUrl)).status).toBe(200);
      const reused = await fetch(callbackUrl);
      expect(reused.status).toBe(400);
      expect(await reused.text()).toContain('already used');

      // The provider's error response (the user declined) also ends in a 400 page, and consumes the state.
      const login = await call(client, 'login');
      const state = new URL(String(login.structuredContent?.authorizationUrl)).searchParams.get('state') as string;
      const declined = await fetch(`${server.callbackUrl}?error=access_denied&state=${encodeURIComponent(state)}`);
      expect(declined.status).toBe(400);
      expect(await declined.text()).toContain('access_denied');
    } finally {
      await client.close();
    }
  });

  it('an expired login URL (its state record gone) ends in a 400 page', { timeout: 30_000 }, async () => {
    const { client } = await connectSessionClient(server.origin);
    const store = createSessionStore({ redisUrl: redis.url });
    try {
      const callbackUrl = await loginAs(client, 'dave');
      const state = new URL(callbackUrl).searchParams.get('state') as string;
      // Expiry is the record's TTL in Redis; deleting it is what its expiry does.
      expect(await store.deleteRecord('upstream-login', state)).toBe(true);
      const page = await fetch(callbackUrl);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('expired');
    } finally {
      await store.close();
      await client.close();
    }
  });

  it('tampered stored credentials give a clear error, not a crash; logout clears them', {
    timeout: 30_000,
  }, async () => {
    const { client, sessionId } = await connectSessionClient(server.origin);
    const store = createSessionStore({ redisUrl: redis.url });
    try {
      await fetch(await loginAs(client, 'erin'));
      const user = upstreamUserOfRequest(sessionId, undefined);
      if (user === undefined) throw new Error('no user key');
      const stored = (await store.getApplicationSession(user.storageId)) as { v: 1; sealed: string };
      expect(stored.sealed).toMatch(/^v1\.test-1\./);
      expect(stored.sealed).not.toMatch(/eyJ/); // sealed, not the JWTs
      const last = stored.sealed.at(-2) === 'A' ? 'B' : 'A';
      await store.setApplicationSession(user.storageId, {
        ...stored,
        sealed: `${stored.sealed.slice(0, -2)}${last}${stored.sealed.at(-1)}`,
      });

      const service = await call(client, 'service', { path: '/me' });
      expect(service.isError).toBe(true);
      expect(text(service)).toContain('cannot be opened');
      expect(text(service)).toContain('logout');
      const upstream = (await call(client, 'whoami')).structuredContent?.upstream as Record<string, unknown>;
      expect(upstream.loggedIn).toBe(false);
      expect(String(upstream.problem)).toContain('cannot be opened');

      expect((await call(client, 'logout')).structuredContent).toMatchObject({ wasLoggedIn: true, revoked: false });
      expect(await store.getApplicationSession(user.storageId)).toBeUndefined();

      // A's sealed login copied into B's slot (someone with store access): it does not open for B.
      await fetch(await loginAs(client, 'erin'));
      const b = await connectSessionClient(server.origin);
      try {
        const userB = upstreamUserOfRequest(b.sessionId, undefined);
        if (userB === undefined) throw new Error('no user key');
        await store.setApplicationSession(userB.storageId, (await store.getApplicationSession(user.storageId)) ?? null);
        const accepted = api.accepted.length;
        const forB = await call(b.client, 'service', { path: '/me' });
        expect(forB.isError).toBe(true);
        expect(text(forB)).toContain('cannot be opened');
        expect(api.accepted.length).toBe(accepted);
        expect((await call(client, 'service', { path: '/me' })).structuredContent).toMatchObject({ status: 200 });
      } finally {
        await b.client.close();
      }
    } finally {
      await store.close();
      await client.close();
    }
  });

  it('a refresh the provider refuses (grant revoked upstream) asks for a new login', { timeout: 30_000 }, async () => {
    const { client, sessionId } = await connectSessionClient(server.origin);
    const store = createSessionStore({ redisUrl: redis.url });
    try {
      await fetch(await loginAs(client, 'frank'));
      const user = upstreamUserOfRequest(sessionId, undefined);
      if (user === undefined) throw new Error('no user key');
      const stored = (await store.getApplicationSession(user.storageId)) as { sealed: string };
      const tokens = createSecretBox(JSON.parse(SECRET_KEYS)).openJson(stored.sealed, { associatedData: user.key }) as {
        refreshToken: string;
        expiresAtMs: number;
      };
      // The user (or an admin) ends the grant at the provider behind our back.
      const metadata = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as {
        revocation_endpoint: string;
      };
      const revoked = await fetch(metadata.revocation_endpoint, {
        method: 'POST',
        body: new URLSearchParams({ token: tokens.refreshToken, client_id: CLIENT_ID }),
      });
      expect(revoked.status).toBe(200);

      await waitFor(() => Date.now() > tokens.expiresAtMs + 1_000, { timeoutMs: 10_000, what: 'token expiry' });
      const service = await call(client, 'service', { path: '/me' });
      expect(service.isError).toBe(true);
      expect(text(service)).toContain('refused to refresh');
      expect(text(service)).toContain('call the login tool again');
      expect(text(service)).not.toContain(tokens.refreshToken);
      expect(await store.getApplicationSession(user.storageId)).toBeUndefined();
      expect((await call(client, 'whoami')).structuredContent?.upstream).toMatchObject({ loggedIn: false });
    } finally {
      await store.close();
      await client.close();
    }
  });

  it('two replicas refreshing at once redeem the refresh token once', { timeout: 30_000 }, async () => {
    const { client, sessionId } = await connectSessionClient(server.origin);
    const reserved = {
      port: Number(new URL(server.origin).port),
      origin: server.origin,
      callbackUrl: server.callbackUrl,
    };
    const replica = await startUpstreamTestServer(reserved, serverEnv, await getFreePort());
    try {
      await fetch(await loginAs(client, 'henry'));
      const expiry = async () => {
        const upstream = (await call(client, 'whoami')).structuredContent?.upstream as { expiresAt: string };
        const expiresAt = Date.parse(upstream.expiresAt);
        await waitFor(() => Date.now() > expiresAt + 1_000, { timeoutMs: 10_000, what: 'token expiry' });
      };
      const onReplica = async () => {
        const response = await post(
          `${replica.origin}/mcp`,
          { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'service', arguments: { path: '/me' } } },
          { 'mcp-session-id': sessionId, 'mcp-protocol-version': client.getNegotiatedProtocolVersion() ?? '' },
        );
        const result = response.messages.find((message) => message.id === 7)?.result as ToolResult;
        return result;
      };

      await expiry();
      const before = api.accepted.length;
      const [here, there] = await Promise.all([call(client, 'service', { path: '/me' }), onReplica()]);
      expect(here.structuredContent).toMatchObject({ status: 200 });
      expect(there.structuredContent).toMatchObject({ status: 200 });
      // One refresh: both calls presented the same new access token.
      const presented = api.accepted.slice(before);
      expect(presented).toHaveLength(2);
      expect(presented[0]).toBe(presented[1]);

      // The grant survived (no refresh token was redeemed twice): the next refresh works too.
      await expiry();
      expect((await onReplica()).structuredContent).toMatchObject({ status: 200 });
    } finally {
      await replica.close();
      await client.close();
    }
  });

  it('stateless 2026-07-28 requests without auth: login answers a clear tool error', { timeout: 30_000 }, async () => {
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const client = new Client(
      { name: 'stateless', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
    try {
      const login = await call(client, 'login');
      expect(login.isError).toBe(true);
      expect(text(login)).toContain('neither an authenticated user nor an MCP session');
      const service = await call(client, 'service', { path: '/me' });
      expect(service.isError).toBe(true);
      expect(text(service)).toContain('neither an authenticated user nor an MCP session');
    } finally {
      await client.close();
    }
  });
});
