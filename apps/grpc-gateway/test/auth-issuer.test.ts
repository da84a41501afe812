// Tokens from a real issuer: our @mcs/http-mcp-server (built bin, MCS_AUTH=on) is the OAuth 2.1
// authorization server; the test plays the user's browser through /authorize and gets access tokens
// from /token (code + PKCE S256 + resource), then the gateway verifies them against the server's
// /jwks.json with issuer = its PUBLIC_URL and audience = its /mcp resource.
import type { ChildProcess } from 'node:child_process';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type RunningGateway, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';
import { startAuthorizationServer, stopProcess } from './fixtures/http-mcp-server-process.js';
import { obtainAccessToken, revokeToken } from './fixtures/oauth-browser.js';

const USER = { name: 'alice', password: 'correct horse battery staple' };

let server: ChildProcess | undefined;
let origin: string;
let running: RunningGateway;

const echo = (token: string | undefined) =>
  collect(running.connect(token === undefined ? {} : { token }).callTool('native.echo', { message: 'hi' }));

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  ({ origin, child: server } = await startAuthorizationServer(USER, {
    // `mcp` is what the server issues by default; a second supported scope lets the test get a real
    // grant WITHOUT `mcp` (the server refuses scopes it does not support, and an empty scope).
    MCS_AUTH_SCOPES: 'mcp,profile',
  }));
  running = await startTestGateway({
    // A plain-http JWKS on loopback is allowed without allowInsecureJwks.
    auth: { mode: 'on', jwksUri: `${origin}/jwks.json`, issuer: origin, audience: `${origin}/mcp` },
    rbac: { 'scope:mcp': ['native.*'] },
  });
}, 300_000);

afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  await stopProcess(server, 'SIGTERM');
});

describe('tokens issued by the http-mcp-server authorization server', () => {
  it('the token is an RFC 9068 JWT for the /mcp resource with scope mcp', async () => {
    const { accessToken, scope } = await obtainAccessToken(origin, USER, 'mcp');
    expect(scope).toBe('mcp');
    expect(claimsOf(accessToken)).toMatchObject({ iss: origin, aud: `${origin}/mcp`, sub: USER.name, scope: 'mcp' });
  });

  it('ListTools lists native.echo and CallTool works with the token', async () => {
    const { accessToken } = await obtainAccessToken(origin, USER, 'mcp');
    const client = running.connect({ token: accessToken });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('native.echo');
    const events = await collect(client.callTool('native.echo', { message: 'from a real issuer' }));
    const result = events.at(-1)?.event;
    expect(result?.$case).toBe('result');
    expect(result?.$case === 'result' && result.value.isError).toBe(false);
  });

  it('no token -> UNAUTHENTICATED', async () => {
    expect((await statusOf(echo(undefined))).code).toBe(status.UNAUTHENTICATED);
    expect((await statusOf(running.client.listTools())).code).toBe(status.UNAUTHENTICATED);
  });

  it('a token with a tampered signature -> UNAUTHENTICATED', async () => {
    const { accessToken } = await obtainAccessToken(origin, USER, 'mcp');
    const [header, payload, signature = ''] = accessToken.split('.');
    // Change the FIRST signature character: the last one of an ES256 signature carries padding bits
    // that base64url decoders ignore, so changing it may leave the signature valid.
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const failure = await statusOf(echo([header, payload, flipped].join('.')));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/signature/i);
  });

  it('without auth.revocation, a token revoked at /revoke is refused by the server but accepted by the gateway', async () => {
    const { accessToken, clientId } = await obtainAccessToken(origin, USER, 'mcp');
    expect(await revokeToken(origin, accessToken, clientId)).toBe(200);
    // The authorization server's own resource checks its revocation list: 401 invalid_token.
    const atServer = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(atServer.status).toBe(401);
    expect(atServer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // This gateway has no `auth.revocation`: it verifies signature, issuer, audience and expiry against the
    // JWKS only, so a revoked token works until its `exp` (MCS_ACCESS_TOKEN_TTL_S). With `auth.revocation`
    // on the server's Redis it is refused within seconds: test/revocation.test.ts.
    const events = await echo(accessToken);
    expect(events.at(-1)?.event?.$case).toBe('result');
  });

  it('a grant without the mcp scope -> PERMISSION_DENIED and native.echo hidden from ListTools', async () => {
    const { accessToken, scope } = await obtainAccessToken(origin, USER, 'profile');
    expect(scope).toBe('profile');
    const client = running.connect({ token: accessToken });
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('native.echo');
    const failure = await statusOf(collect(client.callTool('native.echo', { message: 'hi' })));
    expect(failure.code).toBe(status.PERMISSION_DENIED);
    expect(failure.details).toContain('native.echo');
  });
});
