// Real parts for the upstream login tests: an OpenID provider (oidc-provider) on loopback, an API
// that accepts only that provider's JWT access tokens (verified with jose against its JWKS), a
// "browser" that follows redirects and posts the provider's dev login/consent forms, and our
// server on a known port (the redirect URI must be known before the provider is configured).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getFreePort } from '@mcs/test-utils';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const CLIENT_ID = 'mcs-test-client';
export const API_AUDIENCE = 'urn:mcs-test:api';

export interface TestProvider {
  readonly issuer: string;
  close(): Promise<void>;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * oidc-provider with one public client (PKCE required), dev interactions (any login name signs in),
 * refresh tokens on every grant, revocation, and JWT access tokens for {@link API_AUDIENCE}.
 */
export async function startTestProvider(options: {
  redirectUri: string;
  accessTokenTtlSeconds: number;
}): Promise<TestProvider> {
  const port = await getFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' }] },
    cookies: { keys: ['upstream-test-cookie-key'] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    scopes: ['openid', 'offline_access', 'api:read'],
    pkce: { required: () => true },
    issueRefreshToken: async () => true,
    // Explicit lifetimes (the provider logs a notice for each default it has to use).
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: options.accessTokenTtlSeconds,
      RefreshToken: 3600,
      IdToken: 60,
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: API_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: options.accessTokenTtlSeconds,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  const server = createServer(provider.callback());
  await listen(server, port);
  return { issuer, close: () => stop(server) };
}

export interface TestApi {
  readonly url: string;
  /** Bearer tokens the API accepted, in order. */
  readonly accepted: string[];
  /** Requests the API refused (no or bad token). */
  readonly refused: string[];
  close(): Promise<void>;
}

/** `GET /me`: 200 `{ sub, scope, echo }` for a valid access token of the provider, else 401. */
export async function startTestApi(issuer: string): Promise<TestApi> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const accepted: string[] = [];
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (token === undefined) {
      refused.push('no token');
      reply(401, { error: 'no token' });
      return;
    }
    jwtVerify(token, jwks, { issuer, audience: API_AUDIENCE }).then(
      ({ payload }) => {
        accepted.push(token);
        // Echoes the token, as a careless API might: the service tool must mask it.
        reply(200, { sub: payload.sub, scope: payload.scope, echo: `you sent ${token}` });
      },
      (error: Error) => {
        refused.push(error.message);
        reply(401, { error: error.message });
      },
    );
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, accepted, refused, close: () => stop(server) };
}

/**
 * Plays the browser: follows redirects from the authorization URL, posting the provider's dev
 * login form (as `login`) and consent form, until the provider redirects to our callback. Returns
 * the callback URL (not yet visited). At most 12 steps.
 */
export async function signInUpstream(authorizationUrl: string, callbackPrefix: string, login: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let init: { method: string; body?: URLSearchParams } = { method: 'GET' };
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0] ?? '';
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (location !== null) {
      await response.body?.cancel();
      url = new URL(location, url).href;
      if (url.startsWith(callbackPrefix)) return url;
      init = { method: 'GET' };
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) {
      throw new Error(`unexpected provider page (HTTP ${response.status}): ${html.slice(0, 300)}`);
    }
    url = new URL(action, url).href;
    init = {
      method: 'POST',
      body: new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt }),
    };
  }
  throw new Error('the provider did not redirect to the callback within 12 steps');
}

export interface UpstreamTestServer {
  readonly app: FastifyInstance;
  readonly origin: string;
  readonly callbackUrl: string;
  close(): Promise<void>;
}

/** Our server on a free loopback port chosen first, so PUBLIC_URL (and the redirect URI) are known. */
export async function reserveServerOrigin(): Promise<{ port: number; origin: string; callbackUrl: string }> {
  const port = await getFreePort();
  const origin = `http://127.0.0.1:${port}`;
  return { port, origin, callbackUrl: `${origin}/oauth/upstream/callback` };
}

/** `listenPort` (default `reserved.port`): another replica of the same deployment (same PUBLIC_URL). */
export async function startUpstreamTestServer(
  reserved: { port: number; origin: string; callbackUrl: string },
  env: Record<string, string | undefined>,
  listenPort = reserved.port,
): Promise<UpstreamTestServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(reserved.port),
    PUBLIC_URL: reserved.origin,
    MCS_AUTH: 'off',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  await app.listen({ host: '127.0.0.1', port: listenPort });
  const origin = `http://127.0.0.1:${listenPort}`;
  return { app, origin, callbackUrl: reserved.callbackUrl, close: () => app.close() };
}

/** An SDK client with a session (2025-11-25): the login belongs to its Mcp-Session-Id. */
export async function connectSessionClient(origin: string): Promise<{ client: Client; sessionId: string }> {
  const client = new Client({ name: 'upstream-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`));
  await client.connect(transport);
  if (transport.sessionId === undefined) throw new Error('expected a session');
  return { client, sessionId: transport.sessionId };
}

export interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** tools/call with the result typed for the assertions. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** All text content of a tool result. */
export const text = (result: ToolResult): string => result.content.map((item) => item.text ?? '').join('\n');
