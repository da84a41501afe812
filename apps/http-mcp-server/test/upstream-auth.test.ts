// The upstream login with MCS_AUTH=on: the login belongs to the authenticated subject, so it follows
// the user across MCP sessions (and stateless requests), and never reaches another subject.
import { exportSigningKey, generateSigningKey } from '@mcs/auth';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../src/tools/service/mask-secrets.js';
import {
  CLIENT_ID,
  call,
  reserveServerOrigin,
  signInUpstream,
  startTestApi,
  startTestProvider,
  startUpstreamTestServer,
  type TestApi,
  type TestProvider,
  type UpstreamTestServer,
} from './upstream-fixtures.js';

let provider: TestProvider;
let api: TestApi;
let server: UpstreamTestServer;
let signingJwk: Record<string, unknown>;
const clients: Client[] = [];

beforeAll(async () => {
  const reserved = await reserveServerOrigin();
  provider = await startTestProvider({ redirectUri: reserved.callbackUrl, accessTokenTtlSeconds: 300 });
  api = await startTestApi(provider.issuer);
  signingJwk = (await exportSigningKey(await generateSigningKey({ alg: 'ES256' }))) as unknown as Record<
    string,
    unknown
  >;
  server = await startUpstreamTestServer(reserved, {
    MCS_AUTH: 'on',
    MCS_SIGNING_KEYS: JSON.stringify(signingJwk),
    MCS_SERVICE_BASE_URL: api.url,
    MCS_UPSTREAM_ISSUER: provider.issuer,
    MCS_UPSTREAM_CLIENT_ID: CLIENT_ID,
    MCS_UPSTREAM_SCOPES: 'openid offline_access api:read',
  });
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await server?.close();
  await api?.close();
  await provider?.close();
});

/** An access token of our own authorization server for `subject` (signed with its key). */
async function tokenFor(subject: string): Promise<string> {
  const key = await importJWK(signingJwk as never, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'mcp', client_id: 'upstream-test', jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: String(signingJwk.kid), typ: 'at+jwt' })
    .setIssuer(server.origin)
    .setSubject(subject)
    .setAudience(`${server.origin}/mcp`)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key);
}

async function connect(subject: string, era: 'session' | 'stateless' = 'session'): Promise<Client> {
  const client = new Client(
    { name: `upstream-${subject}`, version: '1.0.0' },
    era === 'stateless' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : undefined,
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${await tokenFor(subject)}` } },
    }),
  );
  clients.push(client);
  return client;
}

describe('upstream login with authorization on', () => {
  it('follows the subject across sessions and stateless requests; another subject never gets it', {
    timeout: 30_000,
  }, async () => {
    const aliceFirst = await connect('alice');
    const login = await call(aliceFirst, 'login');
    expect(login.structuredContent?.boundTo).toBe('subject');
    const page = await fetch(
      await signInUpstream(String(login.structuredContent?.authorizationUrl), server.callbackUrl, 'alice-upstream'),
    );
    expect(page.status).toBe(200);

    // A new session of the same subject, and a stateless 2026-07-28 request, use the same login.
    for (const client of [await connect('alice'), await connect('alice', 'stateless')]) {
      const who = await call(client, 'whoami');
      expect(who.structuredContent?.upstream).toMatchObject({ loggedIn: true, subject: 'alice-upstream' });
      const result = await call(client, 'service', { path: '/me' });
      expect(result.structuredContent).toMatchObject({ status: 200 });
      const body = result.structuredContent?.body as { sub: string; echo: string };
      expect(body.sub).toBe('alice-upstream');
      expect(body.echo).toBe(`you sent ${SECRET_MASK}`);
    }

    const bob = await connect('bob');
    const accepted = api.accepted.length;
    const denied = await call(bob, 'service', { path: '/me' });
    expect(denied.isError).toBe(true);
    expect(denied.content[0]?.text).toContain('call the login tool');
    expect(api.accepted.length).toBe(accepted);
    expect((await call(bob, 'whoami')).structuredContent?.upstream).toMatchObject({ loggedIn: false });

    // Logging out in one session logs the subject out everywhere.
    expect((await call(aliceFirst, 'logout')).structuredContent).toMatchObject({ wasLoggedIn: true });
    expect((await call(await connect('alice'), 'service', { path: '/me' })).isError).toBe(true);
  });
});
