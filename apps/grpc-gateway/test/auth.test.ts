// Bearer JWT auth and RBAC, with tokens from a real issuer: keys from @mcs/auth, JWKS served over HTTP.
import { status } from '@grpc/grpc-js';
import { createKeyRing, createTokenIssuer, generateSigningKey, type SigningKey } from '@mcs/auth';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type RunningGateway, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';
import { type JwksServer, startJwksServer } from './fixtures/jwks-server.js';

const audience = 'mcs-grpc-gateway';
let jwksServer: JwksServer;
let issuerUrl: string;
let key: SigningKey;
let running: RunningGateway;
let issue: (options: { scopes?: string[]; roles?: string[]; audience?: string }) => Promise<string>;

beforeAll(async () => {
  key = await generateSigningKey({ alg: 'ES256' });
  jwksServer = await startJwksServer([key.publicJwk]);
  issuerUrl = jwksServer.issuerUrl;
  const issuer = createTokenIssuer({ issuer: issuerUrl, keyRing: createKeyRing({ keys: [key] }) });
  issue = async ({ scopes = [], roles = [], audience: aud = audience }) =>
    (await issuer.issueAccessToken({ subject: 'user-1', audience: aud, scopes, roles })).token;
  running = await startTestGateway({
    auth: { mode: 'on', jwksUri: `${issuerUrl}/jwks.json`, issuer: issuerUrl, audience },
    rbac: { 'scope:tools.echo': ['native.echo'], 'role:admin': ['*'] },
  });
});

afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  await jwksServer?.[Symbol.asyncDispose]();
});

const echo = (token: string | undefined) =>
  collect(running.connect(token === undefined ? {} : { token }).callTool('native.echo', { message: 'hi' }));

describe('authentication', () => {
  it('no token -> UNAUTHENTICATED', async () => {
    const failure = await statusOf(echo(undefined));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/Bearer/);
    expect((await statusOf(running.client.listTools())).code).toBe(status.UNAUTHENTICATED);
  });

  it('expired token -> UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ scope: 'tools.echo' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(issuerUrl)
      .setAudience(audience)
      .setSubject('user-1')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(key.privateKey!);
    const failure = await statusOf(echo(expired));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/expired/i);
  });

  it('wrong audience -> UNAUTHENTICATED', async () => {
    const failure = await statusOf(echo(await issue({ scopes: ['tools.echo'], audience: 'some-other-service' })));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/audience/i);
  });

  it('wrong issuer -> UNAUTHENTICATED', async () => {
    const other = createTokenIssuer({ issuer: 'https://elsewhere.example', keyRing: createKeyRing({ keys: [key] }) });
    const token = (await other.issueAccessToken({ subject: 'user-1', audience, scopes: ['tools.echo'] })).token;
    const failure = await statusOf(echo(token));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/issuer/i);
  });

  it('tampered token (payload changed, signature kept) -> UNAUTHENTICATED', async () => {
    const [header, payload, signature] = (await issue({ scopes: ['tools.echo'] })).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    claims.roles = ['admin'];
    const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect((await statusOf(echo(forged))).code).toBe(status.UNAUTHENTICATED);
  });

  it('a valid token with the right scope calls the tool', async () => {
    const events = await echo(await issue({ scopes: ['tools.echo'] }));
    expect(events.at(-1)?.event?.$case).toBe('result');
  });
});

describe('RBAC', () => {
  it('a tool the token does not grant is absent from ListTools and refused with PERMISSION_DENIED', async () => {
    const client = running.connect({ token: await issue({ scopes: ['tools.echo'] }) });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['native.echo']);
    const failure = await statusOf(collect(client.callTool('native.ticker', { count: 1, intervalMs: 0 })));
    expect(failure.code).toBe(status.PERMISSION_DENIED);
    expect(failure.details).toContain('native.ticker');
  });

  it('a role that grants every tool sees and calls them all', async () => {
    const client = running.connect({ token: await issue({ roles: ['admin'] }) });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['native.echo', 'native.ticker']);
    const events = await collect(client.callTool('native.ticker', { count: 1, intervalMs: 0 }));
    expect(events.at(-1)?.event?.$case).toBe('result');
  });

  it('a token with no matching grant sees no tools', async () => {
    const client = running.connect({ token: await issue({ scopes: ['unrelated'] }) });
    expect((await client.listTools()).tools).toEqual([]);
  });
});
