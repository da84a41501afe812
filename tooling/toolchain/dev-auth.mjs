// The development stack's authorization, shared by `./mcs token` and the apps' dev scripts: one
// development user and one signing key, made on the first `./mcs dev` and kept in
// .toolchain/dev/credentials.json (git-ignored; delete it for new ones), and the OAuth 2.1 code flow
// with PKCE against the http-mcp-server's own authorization server, played by a script instead of a
// browser (the server grants authorization_code and refresh_token only; no client_credentials).
// Plain JavaScript, no dependencies: the apps' dev scripts and ./mcs import it.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// MCS_DEV_DIR moves it (a second stack beside the first, or a test's own): the dev scripts and
// `./mcs token` must then all be given the same one.
export const devDir = process.env.MCS_DEV_DIR ? resolve(process.env.MCS_DEV_DIR) : join(repoRoot, '.toolchain', 'dev');
export const credentialsFile = join(devDir, 'credentials.json');

const DEV_USER = 'dev';
// A loopback redirect URI that is never fetched: the script reads the code from the 303's Location.
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** The authorization server's origin in dev: PUBLIC_URL, else http://HOST:PORT (127.0.0.1:3000). */
export function devAuthOrigin(env = process.env) {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/$/, '');
  const host = env.HOST && env.HOST !== '0.0.0.0' && env.HOST !== '::' ? env.HOST : '127.0.0.1';
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${env.PORT || '3000'}`;
}

/**
 * `{ user, password, signingKey }`, created once. Both dev scripts start at the same moment, so the file
 * is written under a temporary name and hard-linked into place: exactly one writer wins, the other reads.
 */
export function devCredentials() {
  if (existsSync(credentialsFile)) return readCredentials();
  mkdirSync(devDir, { recursive: true, mode: 0o700 });
  const signingKey = {
    ...generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }),
    kid: `mcs-dev-${randomBytes(4).toString('hex')}`,
    alg: 'ES256',
  };
  const credentials = { user: DEV_USER, password: randomBytes(12).toString('base64url'), signingKey };
  const temporary = `${credentialsFile}.${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, credentialsFile);
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readCredentials();
}

function readCredentials() {
  const value = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  if (typeof value?.user !== 'string' || typeof value?.password !== 'string' || typeof value?.signingKey !== 'object') {
    throw new Error(`${credentialsFile} is not a dev credentials file: delete it and start ./mcs dev again`);
  }
  return value;
}

class DevAuthError extends Error {}

async function expectStatus(response, status, what) {
  if (response.status === status) return response;
  const body = (await response.text())
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  throw new DevAuthError(`${what} answered ${response.status}, expected ${status}: ${body}`);
}

function postForm(url, form, headers = {}) {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
}

/**
 * The whole code flow at `origin` as `credentials.user`: register a public client (RFC 7591), PKCE S256,
 * the sign-in + consent form (CSRF field + cookie), then /token with RFC 8707 `resource` = origin/mcp.
 * Resolves with the token endpoint's JSON answer (`access_token`, `refresh_token`, `expires_in`, ...).
 */
export async function devLogin(origin, credentials, { clientName = 'mcs dev' } = {}) {
  const resource = `${origin}/mcp`;
  let registered;
  try {
    registered = await fetch(`${origin}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: clientName, redirect_uris: [REDIRECT_URI] }),
    });
  } catch (error) {
    throw new DevAuthError(
      `cannot reach the authorization server at ${origin} (${error.cause?.code ?? error.message}): is ./mcs dev running?`,
    );
  }
  const { client_id: clientId } = await (await expectStatus(registered, 201, 'POST /register')).json();

  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL('/authorize', origin);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('base64url'),
    resource,
  }).toString();
  const page = await expectStatus(await fetch(authorize, { redirect: 'manual' }), 200, 'GET /authorize');
  const html = await page.text();
  const field = (name) => {
    const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
    if (!value) throw new DevAuthError(`the sign-in page has no ${name} field`);
    return value;
  };
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const consent = await postForm(
    new URL('/authorize', origin),
    {
      request_id: field('request_id'),
      csrf_token: field('csrf_token'),
      username: credentials.user,
      password: credentials.password,
      decision: 'approve',
    },
    { cookie },
  );
  if (consent.status === 401) {
    throw new DevAuthError(
      `the server refused the dev user's password: it was started with other credentials than ${credentialsFile}; restart ./mcs dev`,
    );
  }
  const location = (await expectStatus(consent, 303, 'POST /authorize')).headers.get('location') ?? '';
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new DevAuthError(`the authorization response carries no code: ${location.slice(0, 300)}`);

  const token = await postForm(new URL('/token', origin), {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: clientId,
    resource,
  });
  return (await expectStatus(token, 200, 'POST /token')).json();
}

/** Polls `origin`'s authorization server metadata (or `path`) until it answers (bounded), for scripts started together with it. */
export async function waitForAuthServer(
  origin,
  { timeoutMs = 120_000, signal, path = '/.well-known/oauth-authorization-server' } = {},
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${origin}${path}`, { signal })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    if (signal?.aborted) throw new DevAuthError('stopped');
    if (Date.now() > deadline) {
      throw new DevAuthError(`the authorization server at ${origin} did not answer within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve_) => setTimeout(resolve_, 250));
  }
}

export function isDevAuthError(error) {
  return error instanceof DevAuthError;
}
