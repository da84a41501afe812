import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcsBearerAuth, requirePrincipal } from '../src/fastify/index.js';
import {
  AuthError,
  createKeyRing,
  createTokenIssuer,
  createTokenVerifier,
  formatBearerChallenge,
  generateSigningKey,
  type TokenIssuer,
} from '../src/index.js';
import { AUDIENCE, ISSUER } from './helpers.js';
import { startJwksServer } from './jwks-server.js';

const METADATA_URL = 'https://mcp.test.local/.well-known/oauth-protected-resource/mcp';
let app: FastifyInstance;
let issuer: TokenIssuer;

const tokenWith = async (scopes: string[], audience = AUDIENCE) =>
  (await issuer.issueAccessToken({ subject: 'alice', audience, scopes })).token;

beforeAll(async () => {
  const keyRing = createKeyRing({ keys: [await generateSigningKey()] });
  issuer = createTokenIssuer({ issuer: ISSUER, keyRing });
  app = Fastify({ logger: false });
  app.get('/healthz', () => ({ ok: true }));
  await app.register(async (protectedScope) => {
    await protectedScope.register(mcsBearerAuth, {
      verifier: createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE }),
      resourceMetadataUrl: METADATA_URL,
      requiredScopes: ['mcp'],
    });
    protectedScope.get('/mcp', (request) => {
      const principal = requirePrincipal(request);
      return { subject: principal.subject, scopes: principal.scopes };
    });
    protectedScope.get('/admin', { config: { mcsAuth: { scopes: ['admin:read', 'admin:write'] } } }, () => ({
      admin: true,
    }));
    protectedScope.get(
      '/.well-known/oauth-protected-resource/mcp',
      { config: { mcsAuth: { public: true } } },
      (request) => ({
        resource: AUDIENCE,
        principal: request.principal,
      }),
    );
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('@mcs/auth/fastify', () => {
  it('lets a valid token through and decorates the request with the principal', async () => {
    const response = await app.inject({
      url: '/mcp',
      headers: { authorization: `Bearer ${await tokenWith(['mcp'])}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ subject: 'alice', scopes: ['mcp'] });
  });

  it('answers a request without a token with 401 and a bare challenge carrying resource_metadata and scope', async () => {
    const response = await app.inject({ url: '/mcp' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(`Bearer resource_metadata="${METADATA_URL}", scope="mcp"`);
    expect(response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('answers an invalid token with 401 error="invalid_token" and a description', async () => {
    const response = await app.inject({
      url: '/mcp',
      headers: { authorization: `Bearer ${await tokenWith(['mcp'], 'https://other.example/mcp')}` },
    });
    expect(response.statusCode).toBe(401);
    const challenge = response.headers['www-authenticate'] as string;
    expect(challenge).toMatch(
      /^Bearer resource_metadata="[^"]+", error="invalid_token", error_description="[^"]+", scope="mcp"$/,
    );
    expect(challenge).toContain('request one with audience/resource');
  });

  it('answers a non-bearer Authorization header with the bare 401 challenge', async () => {
    const response = await app.inject({ url: '/mcp', headers: { authorization: 'Basic YWxpY2U6cHc=' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).not.toContain('error=');
  });

  it('answers a missing scope with 403 insufficient_scope naming every required scope', async () => {
    const response = await app.inject({
      url: '/admin',
      headers: { authorization: `Bearer ${await tokenWith(['mcp', 'admin:read'])}` },
    });
    expect(response.statusCode).toBe(403);
    const challenge = response.headers['www-authenticate'] as string;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp admin:read admin:write"');
    expect(response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuses a token in the query string with 400 invalid_request, even with a valid header', async () => {
    const token = await tokenWith(['mcp']);
    const response = await app.inject({
      url: `/mcp?access_token=${token}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['www-authenticate']).toContain('error="invalid_request"');
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('serves public routes and routes outside the scope without a token', async () => {
    const metadata = await app.inject({ url: '/.well-known/oauth-protected-resource/mcp' });
    expect(metadata.statusCode).toBe(200);
    expect(metadata.json()).toEqual({ resource: AUDIENCE, principal: null });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 503 with Retry-After when the issuer JWKS is unreachable', async () => {
    const jwksServer = await startJwksServer({ keys: [] });
    const url = jwksServer.url;
    await jwksServer.close();
    const down = Fastify();
    await down.register(mcsBearerAuth, {
      verifier: createTokenVerifier({ jwks: { url, timeoutMs: 2_000 }, issuer: ISSUER, audience: AUDIENCE }),
    });
    down.get('/mcp', () => ({ ok: true }));
    const response = await down.inject({
      url: '/mcp',
      headers: { authorization: `Bearer ${await tokenWith(['mcp'])}` },
    });
    await down.close();
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('names the metadata URL a function picks per request (one protected resource per endpoint)', async () => {
    const perEndpoint = Fastify();
    await perEndpoint.register(mcsBearerAuth, {
      verifier: createTokenVerifier({
        jwks: createKeyRing({ keys: [await generateSigningKey()] }),
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
      resourceMetadataUrl: (request) =>
        `https://mcp.test.local/.well-known/oauth-protected-resource${request.routeOptions.url === '/sse' ? '/sse' : '/mcp'}`,
    });
    perEndpoint.get('/sse', () => ({ ok: true }));
    perEndpoint.get('/mcp', () => ({ ok: true }));
    const sse = await perEndpoint.inject({ url: '/sse' });
    const mcp = await perEndpoint.inject({ url: '/mcp', headers: { authorization: 'Bearer not.a.jwt' } });
    await perEndpoint.close();
    expect(sse.statusCode).toBe(401);
    expect(sse.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.test.local/.well-known/oauth-protected-resource/sse"',
    );
    expect(mcp.statusCode).toBe(401);
    expect(mcp.headers['www-authenticate']).toContain(
      'resource_metadata="https://mcp.test.local/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('keeps challenge parameters within the RFC 6750 character set', () => {
    const challenge = formatBearerChallenge(new AuthError('TOKEN_MALFORMED', 'bad "quoted" \\ value – é'), {
      realm: 'mcs',
    });
    expect(challenge).toBe(`Bearer realm="mcs", error="invalid_token", error_description="bad 'quoted' ' value ? ?"`);
  });

  it('refuses to register without a verifier', async () => {
    const bare = Fastify();
    await expect(bare.register(mcsBearerAuth, {} as never).ready()).rejects.toThrow(/needs a `verifier`/);
    await bare.close();
  });
});
