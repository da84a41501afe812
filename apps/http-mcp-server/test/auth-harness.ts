import { createServer, type Server } from 'node:http';
import { createPkcePair, exportSigningKey, generateSigningKey } from '@mcs/auth';
import { getFreePort } from '@mcs/test-utils';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/password-hash.js';
import { loadConfig } from '../src/config.js';

export const USER = { name: 'alice', password: 'correct horse battery staple' };
export const OTHER_USER = { name: 'bob', password: 'another long passphrase' };

export interface AuthTestServer extends AsyncDisposable {
  readonly app: FastifyInstance;
  /** http://127.0.0.1:<port> = PUBLIC_URL = issuer */
  readonly origin: string;
  /** `${origin}/mcp`: the resource and token audience */
  readonly resource: string;
  /** The private JWK the server signs with (tests forge and mint tokens with it). */
  readonly signingJwk: Record<string, unknown>;
  close(): Promise<void>;
}

let passwordHashes: Promise<[string, string]> | undefined;

/** Our server with MCS_AUTH=on on a free loopback port, PUBLIC_URL set to it, users `alice` and `bob`. */
export async function startAuthServer(
  env: Record<string, string | undefined> = {},
  options: { port?: number } = {},
): Promise<AuthTestServer> {
  passwordHashes ??= Promise.all([hashPassword(USER.password), hashPassword(OTHER_USER.password)]);
  const [aliceHash, bobHash] = await passwordHashes;
  const port = options.port ?? (await getFreePort());
  const origin = `http://127.0.0.1:${port}`;
  const signingJwk = (await exportSigningKey(await generateSigningKey({ alg: 'ES256' }))) as unknown as Record<
    string,
    unknown
  >;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: origin,
    MCS_AUTH: 'on',
    LOG_LEVEL: 'silent',
    MCS_USERS: JSON.stringify({ [USER.name]: aliceHash, [OTHER_USER.name]: bobHash }),
    MCS_SIGNING_KEYS: JSON.stringify(signingJwk),
    ...env,
  });
  const app = await buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  await app.listen({ host: '127.0.0.1', port });
  const close = () => app.close();
  return { app, origin, resource: `${origin}/mcp`, signingJwk, close, [Symbol.asyncDispose]: close };
}

/** A loopback "app" that receives the authorization response at its redirect URI. */
export interface CallbackServer extends AsyncDisposable {
  readonly redirectUri: string;
  /** Query parameters of every request received, oldest first. */
  readonly received: URLSearchParams[];
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URLSearchParams[] = [];
  const server: Server = createServer((request, response) => {
    received.push(new URL(request.url ?? '/', 'http://127.0.0.1').searchParams);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { redirectUri: `http://127.0.0.1:${address.port}/callback`, received, close, [Symbol.asyncDispose]: close };
}

export interface BrowserOptions {
  username?: string;
  password?: string;
  decision?: 'approve' | 'deny';
}

/**
 * Plays the user's browser: GET the authorization URL, read the form (hidden fields, CSRF cookie),
 * POST the login + consent, and return the redirect it answers with (not followed).
 */
export async function signInAndConsent(authorizationUrl: string | URL, options: BrowserOptions = {}): Promise<URL> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`GET /authorize answered ${page.status}: ${html.slice(0, 300)}`);
  const field = (name: string) => {
    const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    if (!match?.[1]) throw new Error(`the consent page has no ${name} field`);
    return match[1];
  };
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const form = new URLSearchParams({
    request_id: field('request_id'),
    csrf_token: field('csrf_token'),
    username: options.username ?? USER.name,
    password: options.password ?? USER.password,
    decision: options.decision ?? 'approve',
  });
  const answer = await fetch(new URL('/authorize', authorizationUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: form,
  });
  const location = answer.headers.get('location');
  if (answer.status !== 303 || location === null) {
    throw new Error(`POST /authorize answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  }
  return new URL(location);
}

export async function registerClient(origin: string, redirectUris: string[]): Promise<string> {
  const response = await fetch(`${origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'test client',
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none',
    }),
  });
  if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { client_id: string }).client_id;
}

export function authorizationUrl(
  origin: string,
  params: {
    clientId: string;
    redirectUri: string;
    challenge: string;
    scope?: string;
    state?: string;
    resource?: string;
  },
): URL {
  const url = new URL('/authorize', origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    code_challenge: params.challenge,
    code_challenge_method: 'S256',
    state: params.state ?? 'state-1',
    resource: params.resource ?? `${origin}/mcp`,
    ...(params.scope === undefined ? {} : { scope: params.scope }),
  }).toString();
  return url;
}

export async function postForm(origin: string, path: string, form: Record<string, string>) {
  const response = await fetch(new URL(path, origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** POST /token with grant_type=authorization_code: the successful redemption every flow ends with. */
export function exchangeCode(
  origin: string,
  grant: { code: string; redirectUri: string; verifier: string; clientId: string; resource?: string },
) {
  return postForm(origin, '/token', {
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
    code_verifier: grant.verifier,
    client_id: grant.clientId,
    ...(grant.resource === undefined ? {} : { resource: grant.resource }),
  });
}

export interface IssuedTokens {
  clientId: string;
  accessToken: string;
  refreshToken: string;
}

/** The whole code flow by hand (register, authorize, consent, token); returns the tokens. */
export async function obtainTokens(
  server: AuthTestServer,
  redirectUri: string,
  options: { scope?: string; user?: { name: string; password: string } } = {},
): Promise<IssuedTokens> {
  const clientId = await registerClient(server.origin, [redirectUri]);
  const pkce = createPkcePair();
  const redirect = await signInAndConsent(
    authorizationUrl(server.origin, {
      clientId,
      redirectUri,
      challenge: pkce.challenge,
      ...(options.scope ? { scope: options.scope } : {}),
    }),
    options.user ? { username: options.user.name, password: options.user.password } : {},
  );
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect}`);
  const token = await exchangeCode(server.origin, {
    code,
    redirectUri,
    verifier: pkce.verifier,
    clientId,
    resource: server.resource,
  });
  if (token.status !== 200) throw new Error(`token answered ${token.status}: ${JSON.stringify(token.body)}`);
  return { clientId, accessToken: String(token.body.access_token), refreshToken: String(token.body.refresh_token) };
}

/** A JSON-RPC `tools/call whoami` on /http with the given Authorization header (or none). */
export async function callWhoami(origin: string, authorization: string | undefined, path = '/http') {
  const response = await fetch(new URL(path, origin), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
  });
  const text = await response.text();
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), text };
}
